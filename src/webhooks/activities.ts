import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import { failDeliveryAndWebhook, getDelivery, planDeliveries, recordDeliveryAttempt } from './repository.js';
import { describeFailure, type HttpClient } from '../integrations/http.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SecretBox } from '../security/encryption.js';
import { hmacSha256 } from '../security/signatures.js';

export interface WebhookActivityDeps {
  db: Db;
  /** The guarded client: SSRF policy checked before each request and at connect. */
  webhookHttp: HttpClient;
  secretBox: SecretBox;
  logger: Logger;
  metrics: Metrics;
  webhookRetryScheduleMs: readonly number[];
}

export type AttemptOutcome = { outcome: 'succeeded' | 'failed'; status: number | null; error: string | null } | { outcome: 'skipped'; reason: string };

/** A receiver has this long to answer with a 2xx (the seed's 30 seconds). */
export const WEBHOOK_TIMEOUT_MS = 30_000;
const EXCERPT_BYTES = 1024;

export function createWebhookActivities({ db, webhookHttp, secretBox, logger, metrics, webhookRetryScheduleMs }: WebhookActivityDeps) {
  return {
    /** The deliveries one event fans out to, and the retry schedule they follow. */
    async planWebhookDeliveries({ eventId }: { eventId: string }) {
      return { deliveries: await planDeliveries(db, eventId), retryScheduleMs: [...webhookRetryScheduleMs] };
    },

    /**
     * One HTTP attempt: POST the event's compact JSON, signed when the webhook has a
     * secret, and log it. A failed attempt is an outcome, not an error: the workflow's
     * timers own the schedule. A webhook disabled meanwhile is skipped unless this is a replay.
     */
    async attemptWebhookDelivery({ deliveryId, attempt, force = false }: { deliveryId: string; attempt: number; force?: boolean }): Promise<AttemptOutcome> {
      const delivery = await getDelivery(db, deliveryId);
      if (!delivery) return { outcome: 'skipped', reason: 'the webhook or delivery no longer exists' };
      if (delivery.status === 'succeeded') return { outcome: 'skipped', reason: 'already delivered' };
      if (!delivery.enabled && !force) return { outcome: 'skipped', reason: 'the webhook is disabled' };

      const body = JSON.stringify(delivery.payload);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-relay-event-id': delivery.event_id,
        'x-relay-event': delivery.event_type,
        'x-relay-delivery-id': delivery.id,
        'x-relay-timestamp': String(Math.floor(Date.now() / 1000)),
      };
      if (delivery.secret_sealed) {
        let secret: string;
        try {
          secret = secretBox.open(delivery.secret_sealed);
        } catch (error) {
          throw ApplicationFailure.nonRetryable(`cannot open the webhook secret: ${(error as Error).message}`, 'SecretUnavailable');
        }
        headers['x-relay-signature'] = hmacSha256(secret, body).toString('hex');
      }

      const started = performance.now();
      let status: number | null = null;
      let excerpt: string | null = null;
      let error: string | null = null;
      try {
        const response = await webhookHttp.request({ method: 'POST', url: delivery.url, headers, body, timeoutMs: WEBHOOK_TIMEOUT_MS });
        status = response.status;
        excerpt = response.body.slice(0, EXCERPT_BYTES);
        if (status < 200 || status >= 300) error = status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
      } catch (failure) {
        error = describeFailure(failure);
      }
      const succeeded = error === null;
      await recordDeliveryAttempt(db, {
        deliveryId,
        attempt,
        httpStatus: status,
        durationMs: performance.now() - started,
        responseExcerpt: excerpt,
        error,
        succeeded,
      });
      logger.info({ orgId: delivery.org_id, deliveryId, attempt, status, error }, 'webhook delivery attempt');
      metrics.deliveryAttempts.inc({ target: 'webhook', outcome: succeeded ? 'succeeded' : 'failed' });
      if (succeeded) metrics.deliveries.inc({ target: 'webhook', outcome: 'succeeded' });
      return { outcome: succeeded ? 'succeeded' : 'failed', status, error };
    },

    async failWebhookDelivery({ deliveryId }: { deliveryId: string }): Promise<void> {
      await db.transaction().execute((trx) => failDeliveryAndWebhook(trx, deliveryId));
      metrics.deliveries.inc({ target: 'webhook', outcome: 'failed' });
      logger.warn({ deliveryId }, 'webhook delivery failed after its whole schedule; webhook disabled');
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
