import express, { Router } from 'express';
import type { Db } from '../db/database.js';
import { insertSesNotification } from '../sns/repository.js';
import { parseSesEvent } from './ses-events.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { SnsVerificationError, type SnsVerifier } from '../security/sns.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { ApiError } from '../http/errors.js';

/** SNS messages are small (256 KB at most); anything bigger is not SNS. */
const SNS_BODY_LIMIT = '300kb';

/**
 * POST /api/webhooks/ses: the SNS subscription endpoint of the SES configuration set's
 * event destination. Verifies before anything else, stores each SNS message once, starts
 * its workflow and answers; all processing happens in the workflow.
 */
export function sesWebhookRoutes(deps: { db: Db; workflows: WorkflowStarter; sns: SnsVerifier; logger: Logger; metrics: Metrics }): Router {
  const router = Router();
  // SNS posts JSON as text/plain; the raw text is what the signature covers.
  router.post('/api/webhooks/ses', express.text({ type: () => true, limit: SNS_BODY_LIMIT }), async (req, res) => {
    const raw = typeof req.body === 'string' ? req.body : '';
    let message;
    try {
      message = await deps.sns.verify(raw);
    } catch (error) {
      if (!(error instanceof SnsVerificationError)) throw error;
      deps.metrics.webhooks.inc({ provider: 'sns', outcome: 'rejected' });
      deps.logger.warn({ reason: error.message, reqId: req.id }, 'SNS message refused');
      throw new ApiError('unauthorized', 'SNS message failed verification');
    }

    if (message.Type === 'UnsubscribeConfirmation') {
      deps.logger.warn({ topicArn: message.TopicArn }, 'SNS says the subscription was removed');
      deps.metrics.webhooks.inc({ provider: 'sns', outcome: 'accepted' });
      res.json({ received: true });
      return;
    }
    const event = message.Type === 'Notification' ? parseSesEvent(message.Message) : undefined;
    await insertSesNotification(deps.db, {
      snsMessageId: message.MessageId,
      topicArn: message.TopicArn,
      eventType: message.Type === 'Notification' ? (event?.eventType ?? event?.notificationType ?? 'unparsed') : message.Type,
      sesMessageId: event?.mail.messageId ?? null,
      payload: message,
    });
    // Started on every delivery, not only the first: a retry after a crash between the
    // insert and the start still gets its workflow; the workflow id keeps it to one.
    await deps.workflows.startSesNotification({ snsMessageId: message.MessageId, type: message.Type });
    deps.metrics.webhooks.inc({ provider: 'sns', outcome: 'accepted' });
    res.json({ received: true });
  });
  return router;
}
