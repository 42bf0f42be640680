import type { Router } from 'express';
import type { Db } from '../db/database.js';
import { providerWebhookRoute, type ProviderWebhookDeps } from '../http/provider-webhook.js';
import type { SnsVerifier } from '../security/sns.js';
import { acceptSnsControlMessage, insertSnsMessage, SNS_BODY_LIMIT_BYTES } from '../sns/index.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { receiveSesMessage } from './receive.js';

/**
 * POST /api/webhooks/ses: the SNS subscription endpoint of the SES configuration set's
 * event destination. Verified before anything else; each SNS message stored once, its
 * workflow started, and answered; all processing happens in the workflow.
 */
export function sesWebhookRoutes(deps: ProviderWebhookDeps & { db: Db; workflows: WorkflowStarter; sns: SnsVerifier }): Router {
  // SNS posts JSON as text/plain.
  return providerWebhookRoute(deps, { method: 'post', path: '/api/webhooks/ses', provider: 'sns', limitBytes: SNS_BODY_LIMIT_BYTES }, async (request, res) => {
    const received = await receiveSesMessage(request, deps.sns);
    if (received.kind === 'control') {
      if (received.message.Type === 'UnsubscribeConfirmation')
        deps.logger.warn({ topicArn: received.message.TopicArn }, 'SNS says the subscription was removed');
      await acceptSnsControlMessage(deps, received.message);
    } else {
      const { message } = received;
      await insertSnsMessage(deps.db, {
        snsMessageId: message.MessageId,
        topicArn: message.TopicArn,
        eventType: received.eventType,
        sesMessageId: received.sesMessageId,
        payload: message,
      });
      // Started on every delivery, not only the first: a retry after a crash between the
      // insert and the start still gets its workflow; the workflow id keeps it to one.
      await deps.workflows.startSesEvent({ snsMessageId: message.MessageId });
    }
    deps.metrics.webhooks.inc({ provider: 'sns', outcome: 'accepted' });
    res.json({ received: true });
  });
}
