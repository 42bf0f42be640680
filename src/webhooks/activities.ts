import type { Db } from '../db/database.js';
import {
  disableFailedWebhook,
  findDeliveriesToAttempt,
  findDeliveryToAttempt,
  insertDeliveriesForEvent,
  listPendingDeliveriesOfEvent,
  listReplayDeliveries,
  recordDeliveryAttempt,
  skipDelivery,
  type DeliveryToAttempt,
  type PlannedDelivery,
} from './repository.js';
import { describeFailure, type HttpClient } from '../integrations/http.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { EncryptionUnavailable, UnopenableSecret, type SecretBox } from '../security/encryption.js';
import { deliveryHeaders } from './delivery-headers.js';
import { nextWaitMs, parseRetryAfter } from './retry.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';

export interface WebhookActivityDeps {
  db: Db;
  /** The guarded client: SSRF policy checked before each request and at connect. */
  webhookHttp: HttpClient;
  secretBox: SecretBox;
  logger: Logger;
  metrics: Metrics;
  webhookRetryScheduleMs: readonly number[];
  workflows: WorkflowStarter;
}

export interface AttemptInput {
  deliveryId: string;
  /** The generation the caller runs; a replay since then supersedes it. */
  generation: number;
  /** The schedule's wait before the next attempt, or null when this is the last one. */
  nextWaitMs: number | null;
  /** webhooks.test: one attempt whose failure neither fails the delivery's webhook nor is retried. */
  test?: boolean;
  /** webhooks.replay asked for it: sent even while the webhook is disabled. */
  replay?: boolean;
}

export type AttemptOutcome =
  /** `status` null: an earlier try of the same activity had delivered it (its log has the answer). */
  | { outcome: 'succeeded'; status: number | null }
  /** Due again at `nextAttemptAt` (epoch ms, from the receiver's answer: the schedule's wait with jitter, or its Retry-After). */
  | { outcome: 'retry'; status: number | null; error: string; nextAttemptAt: number }
  | { outcome: 'failed'; status: number | null; error: string }
  | { outcome: 'skipped'; reason: string };

/** A receiver has this long to answer with a 2xx (the seed's 30 seconds). */
export const WEBHOOK_TIMEOUT_MS = 30_000;
const EXCERPT_BYTES = 1024;

/** The activities that make outgoing HTTP calls: they run on the deliveries task queue. */
export const WEBHOOK_DELIVERY_ACTIVITY_NAMES = ['attemptWebhookDelivery', 'attemptWebhookDeliveries'] as const satisfies readonly (keyof WebhookActivities)[];

/** A batch of an event's first attempts, made by one activity (attemptWebhookDeliveries). */
export interface FirstAttemptsInput {
  deliveries: { deliveryId: string; generation: number }[];
  /** The schedule's first wait, or null when the schedule has no retry. */
  nextWaitMs: number | null;
}

export function createWebhookActivities({ db, webhookHttp, secretBox, logger, metrics, webhookRetryScheduleMs, workflows }: WebhookActivityDeps) {
  const attempt = createAttempt({ db, webhookHttp, secretBox, logger, metrics });
  return {
    /**
     * Starts each event's workflow, left to run on its own, as the API starts the ones it
     * raises; one already started under its id counts as started.
     */
    async startWebhookFanOuts({ eventIds, orgId }: { eventIds: string[]; orgId: string | null }): Promise<void> {
      await Promise.all(eventIds.map((eventId) => workflows.startWebhookFanOut({ eventId, orgId })));
    },

    /**
     * Records the event's deliveries (the first page's call does it for every endpoint)
     * and returns a page of the pending ones, with the retry schedule they follow.
     */
    async planWebhookDeliveries({ eventId, afterWebhookId, limit }: { eventId: string; afterWebhookId?: string; limit: number }) {
      if (!afterWebhookId) await insertDeliveriesForEvent(db, eventId);
      // One more than the page tells whether another page follows.
      const rows = await listPendingDeliveriesOfEvent(db, eventId, { afterWebhookId, limit: limit + 1 });
      return { deliveries: rows.slice(0, limit), more: rows.length > limit, retryScheduleMs: [...webhookRetryScheduleMs] };
    },

    /** The next page of a replay's deliveries, in the order their events were raised. */
    async nextWebhookReplayPage({ replayId, afterSeq, limit }: { replayId: string; afterSeq?: string; limit: number }) {
      const rows = await listReplayDeliveries(db, replayId, { afterSeq, limit });
      const deliveries: (PlannedDelivery & { seq: string })[] = rows;
      return { deliveries, retryScheduleMs: [...webhookRetryScheduleMs] };
    },

    /** One attempt at one delivery: a retry, a replay's, a test's (and every attempt of runs started before first attempts were batched). */
    async attemptWebhookDelivery(input: AttemptInput): Promise<AttemptOutcome> {
      return attempt(input, await findDeliveryToAttempt(db, input.deliveryId));
    },

    /**
     * The first attempt at each of a batch of an event's deliveries, side by side in one
     * activity: one task for several endpoints instead of one each, the cost that bounds how
     * fast an event reaches many endpoints. Their rows are read in one statement; each is
     * then the same attempt as above, logged on its own; the outcomes come back in the
     * deliveries' order, and the workflow retries each on its own schedule. A failure of
     * Relay's own (the database) fails the activity only once every attempt has settled, so
     * its retry never overlaps a POST still in flight. A retry (after that, or after a lost
     * worker) sends nothing again to the deliveries whose attempt was logged, answers their
     * logged outcome, and attempts the rest.
     */
    async attemptWebhookDeliveries({ deliveries, nextWaitMs }: FirstAttemptsInput): Promise<AttemptOutcome[]> {
      const found = await findDeliveriesToAttempt(
        db,
        deliveries.map((delivery) => delivery.deliveryId),
      );
      const rows = new Map(found.map((row) => [row.id, row]));
      const settled = await Promise.allSettled(deliveries.map((delivery) => attempt({ ...delivery, nextWaitMs }, rows.get(delivery.deliveryId))));
      const outcomes: AttemptOutcome[] = [];
      for (const result of settled) {
        if (result.status === 'rejected') throw result.reason;
        outcomes.push(result.value);
      }
      return outcomes;
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;

/**
 * One HTTP attempt: POST the event's compact JSON, signed both the seed's way and
 * Standard Webhooks' (delivery-headers.ts), and log it with when the next attempt is due. A
 * failed attempt is an outcome, not an error: the workflow's timers own the schedule. When
 * it was the last one, the delivery fails and the webhook is disabled in the same step.
 */
function createAttempt({ db, webhookHttp, secretBox, logger, metrics }: Pick<WebhookActivityDeps, 'db' | 'webhookHttp' | 'secretBox' | 'logger' | 'metrics'>) {
  /** `delivery`: the row findDeliveriesToAttempt read for it, undefined when it no longer exists. */
  return async function attempt(input: AttemptInput, delivery: DeliveryToAttempt | undefined): Promise<AttemptOutcome> {
    const { deliveryId } = input;
    if (!delivery) return { outcome: 'skipped', reason: 'the webhook or delivery no longer exists' };
    if (delivery.generation !== input.generation) return { outcome: 'skipped', reason: 'a replay superseded this run' };
    // Ended already in this generation: an earlier try of this activity made the attempt
    // (a batch retried after a database failure, or a worker lost once it had logged it).
    if (delivery.status === 'succeeded') return { outcome: 'succeeded', status: null };
    if (delivery.status === 'failed') return { outcome: 'failed', status: null, error: 'the delivery had failed before this try' };
    if (delivery.status !== 'pending') return { outcome: 'skipped', reason: `the delivery is ${delivery.status}` };
    // A replay that raced retention: the event's data is gone, and an empty body is not the event.
    if (delivery.event_content_purged_at) {
      const reason = 'the event is past its retention period: its content was purged';
      await skipDelivery(db, deliveryId, reason);
      return { outcome: 'skipped', reason };
    }
    if (!delivery.enabled && !input.replay) {
      const reason = 'the webhook is disabled';
      if (!input.test) await skipDelivery(db, deliveryId, reason);
      return { outcome: 'skipped', reason };
    }

    const body = JSON.stringify(delivery.payload);
    let secrets: string[];
    try {
      // Newest first; the secret before a rotation signs too until its overlap ends.
      const sealed = [
        { column: 'secret_sealed', value: delivery.secret_sealed },
        {
          column: 'previous_secret_sealed',
          value: delivery.previous_secret_expires_at && delivery.previous_secret_expires_at > new Date() ? delivery.previous_secret_sealed : null,
        },
      ] as const;
      secrets = sealed.flatMap(({ column, value }) => (value ? [secretBox.open(value, { table: 'webhooks', column, rowId: delivery.webhook_id })] : []));
    } catch (error) {
      if (!(error instanceof EncryptionUnavailable || error instanceof UnopenableSecret)) throw error;
      // Nothing is sent unsigned or signed with a secret that is not this webhook's; the
      // delivery fails saying why (a replay sends it once the operator has fixed the keys).
      const reason = `the webhook's secret cannot be opened: ${error.message}`;
      logger.error({ orgId: delivery.org_id, deliveryId, webhookId: delivery.webhook_id, err: error }, 'webhook secret cannot be opened');
      await recordDeliveryAttempt(db, {
        deliveryId,
        httpStatus: null,
        durationMs: 0,
        responseExcerpt: null,
        error: reason,
        result: { outcome: 'failed', reason },
      });
      metrics.deliveries.inc({ target: 'webhook', outcome: 'failed' });
      return { outcome: 'failed', status: null, error: reason };
    }
    const headers = deliveryHeaders({
      deliveryId,
      eventId: delivery.event_id,
      eventType: delivery.event_type,
      timestamp: Math.floor(Date.now() / 1000),
      body,
      secrets,
    });

    const started = performance.now();
    let status: number | null = null;
    let excerpt: string | null = null;
    let error: string | null = null;
    let retryAfterMs: number | undefined;
    try {
      const response = await webhookHttp.request({ method: 'POST', url: delivery.url, headers, body, timeoutMs: WEBHOOK_TIMEOUT_MS });
      status = response.status;
      excerpt = response.body.slice(0, EXCERPT_BYTES);
      if (status < 200 || status >= 300) error = status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
      if (status === 429 || status === 503) retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    } catch (failure) {
      error = describeFailure(failure);
    }
    const answeredAt = Date.now();
    const logged = { deliveryId, httpStatus: status, durationMs: performance.now() - started, responseExcerpt: excerpt, error };

    // The receiver says the endpoint is gone for good, or the schedule has run out: the
    // delivery fails, the webhook is disabled with the reason, and its other pending deliveries are skipped.
    const giveUp = async (reason: string): Promise<AttemptOutcome> => {
      await db.transaction().execute(async (trx) => {
        await recordDeliveryAttempt(trx, { ...logged, result: { outcome: 'failed', reason } });
        await disableFailedWebhook(trx, delivery.webhook_id, reason);
      });
      logger.warn({ orgId: delivery.org_id, deliveryId, webhookId: delivery.webhook_id, reason }, 'webhook disabled');
      metrics.deliveries.inc({ target: 'webhook', outcome: 'failed' });
      return { outcome: 'failed', status, error: error! };
    };

    let outcome: AttemptOutcome;
    if (error === null) {
      await recordDeliveryAttempt(db, { ...logged, result: { outcome: 'succeeded' } });
      outcome = { outcome: 'succeeded', status: status! };
      metrics.deliveries.inc({ target: 'webhook', outcome: 'succeeded' });
    } else if (status === 410) {
      outcome = await giveUp('the endpoint answered 410 Gone');
    } else if (input.test) {
      await recordDeliveryAttempt(db, { ...logged, result: { outcome: 'failed', reason: 'the test send failed' } });
      outcome = { outcome: 'failed', status, error };
    } else if (input.nextWaitMs !== null) {
      // Jitter is drawn here, in an activity: the workflow replays the recorded result.
      const nextAttemptAt = answeredAt + nextWaitMs(input.nextWaitMs, retryAfterMs, Math.random);
      await recordDeliveryAttempt(db, { ...logged, result: { outcome: 'retry', nextAttemptAt: new Date(nextAttemptAt) } });
      outcome = { outcome: 'retry', status, error, nextAttemptAt };
    } else {
      outcome = await giveUp('every attempt of the retry schedule failed');
    }
    logger.info({ orgId: delivery.org_id, deliveryId, status, error }, 'webhook delivery attempt');
    metrics.deliveryAttempts.inc({ target: 'webhook', outcome: error === null ? 'succeeded' : 'failed' });
    return outcome;
  };
}
