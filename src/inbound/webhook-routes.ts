import type { Router } from 'express';
import type { Db } from '../db/database.js';
import { providerWebhookRoute, WebhookRejected, type ProviderWebhookDeps } from '../http/provider-webhook.js';
import type { SnsVerifier } from '../security/sns.js';
import { acceptSnsControlMessage } from '../sns/index.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { INBOUND_LIMITS } from './form.js';
import { receiveInbound, type InboundSecrets } from './receive.js';
import { storeInbound } from './repository.js';

/**
 * POST /api/webhooks/inbound-email: Mailgun, SendGrid, Postmark, Cloudmailin and SES
 * receiving (through SNS), told apart by the request itself. Verified first; then the raw
 * request is stored once per provider message id, workflow inbound-<id> is started, and
 * the provider gets its 200.
 */
export function inboundWebhookRoutes(
  deps: ProviderWebhookDeps & { db: Db; workflows: WorkflowStarter; inboundSns: SnsVerifier; secrets: InboundSecrets; routeMaxAttempts: number },
): Router {
  const route = { method: 'post', path: '/api/webhooks/inbound-email', provider: 'inbound-email', limitBytes: INBOUND_LIMITS.bodyBytes } as const;
  return providerWebhookRoute(deps, route, async (request, res) => {
    const received = await receiveInbound(request, { secrets: deps.secrets, sns: deps.inboundSns, now: Date.now });
    if (received.kind === 'sns-control') {
      await acceptSnsControlMessage(deps, received.message);
      res.json({ received: true });
      return;
    }
    const stored = await deps.db.transaction().execute((trx) => storeInbound(trx, { ...received, contentType: request.contentType, raw: request.raw }));
    if (stored.stored === 'token-reused') throw new WebhookRejected(401, 'this signed token was already used for another message');
    // Started for duplicates too: a provider retry after a crash between store and start heals it.
    await deps.workflows.startInbound({ inboundId: stored.id, routeMaxAttempts: deps.routeMaxAttempts });
    deps.metrics.webhooks.inc({ provider: received.provider, outcome: stored.stored === 'new' ? 'accepted' : 'duplicate' });
    res.json({ received: true, id: stored.id });
  });
}
