import express, { Router } from 'express';
import type { Db } from '../db/database.js';
import { storeInbound } from './repository.js';
import { insertSesNotification } from '../sns/repository.js';
import { INBOUND_LIMITS } from './form.js';
import { InboundRejected, receiveInbound, type InboundSecrets } from './receive.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SnsVerifier } from '../security/sns.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { ApiError } from '../http/errors.js';

const REJECTION_CODE = { 400: 'validation_failed', 401: 'unauthorized', 413: 'payload_too_large' } as const;

/**
 * POST /api/webhooks/inbound-email: Mailgun, SendGrid, Postmark, Cloudmailin and SES
 * receiving (through SNS), told apart by the request itself. Verified first; then the raw
 * request is stored once per provider message id, workflow inbound-<id> is started, and
 * the provider gets its 200.
 */
export function inboundWebhookRoutes(deps: {
  db: Db;
  workflows: WorkflowStarter;
  inboundSns: SnsVerifier;
  secrets: InboundSecrets;
  routeMaxAttempts: number;
  logger: Logger;
  metrics: Metrics;
}): Router {
  const router = Router();
  router.post('/api/webhooks/inbound-email', express.raw({ type: () => true, limit: INBOUND_LIMITS.bodyBytes }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const contentType = req.get('content-type') ?? '';
    let received;
    try {
      received = await receiveInbound(
        { contentType, raw, header: (name) => req.get(name), query: (name) => (typeof req.query[name] === 'string' ? req.query[name] : undefined) },
        { secrets: deps.secrets, sns: deps.inboundSns, now: Date.now },
      );
    } catch (error) {
      if (!(error instanceof InboundRejected)) throw error;
      deps.metrics.webhooks.inc({ provider: 'inbound-email', outcome: 'rejected' });
      deps.logger.warn({ reason: error.message, reqId: req.id }, 'inbound email refused');
      throw new ApiError(REJECTION_CODE[error.status], error.message);
    }

    if (received.kind === 'sns-subscription') {
      const { message } = received;
      if (message.Type === 'SubscriptionConfirmation') {
        await insertSesNotification(deps.db, { snsMessageId: message.MessageId, topicArn: message.TopicArn, eventType: message.Type, sesMessageId: null, payload: message });
        await deps.workflows.startSesNotification({ snsMessageId: message.MessageId, type: 'SubscriptionConfirmation' });
      }
      res.json({ received: true });
      return;
    }

    const stored = await deps.db.transaction().execute((trx) => storeInbound(trx, { ...received, contentType, raw }));
    if (stored.stored === 'token-reused') {
      deps.metrics.webhooks.inc({ provider: received.provider, outcome: 'rejected' });
      throw new ApiError('unauthorized', 'this signed token was already used for another message');
    }
    // Started for duplicates too: a provider retry after a crash between store and start heals it.
    await deps.workflows.startInbound({ inboundId: stored.id, routeMaxAttempts: deps.routeMaxAttempts });
    deps.metrics.webhooks.inc({ provider: received.provider, outcome: stored.stored === 'new' ? 'accepted' : 'duplicate' });
    res.json({ received: true, id: stored.id });
  });
  return router;
}
