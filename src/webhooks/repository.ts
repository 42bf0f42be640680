import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { TEST_EVENT_TYPE, type Webhook, type WebhookEventType, type WebhookPayload } from '../db/tables/webhooks.js';
import { isUuid } from '../db/uuid.js';

/** `id` is chosen by the caller: the secret is sealed for its row before the row exists. */
export async function createWebhook(
  db: DbOrTrx,
  webhook: { id: string; orgId: string; url: string; events: WebhookEventType[]; secretSealed: Buffer | null; enabled: boolean },
): Promise<Webhook> {
  return db
    .insertInto('webhooks')
    .values({
      id: webhook.id,
      org_id: webhook.orgId,
      url: webhook.url,
      events: webhook.events,
      secret_sealed: webhook.secretSealed,
      enabled: webhook.enabled,
      failed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listWebhooks(db: DbOrTrx, orgId: string): Promise<Webhook[]> {
  return db.selectFrom('webhooks').selectAll().where('org_id', '=', orgId).orderBy('created_at').orderBy('id').execute();
}

export async function findWebhook(db: DbOrTrx, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Webhook | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db.selectFrom('webhooks').selectAll().where('org_id', '=', orgId).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function updateWebhook(
  db: DbOrTrx,
  orgId: string,
  id: string,
  change: { url?: string; events?: WebhookEventType[]; secretSealed?: Buffer | null; enabled?: boolean },
): Promise<Webhook | undefined> {
  if (!isUuid(id)) return undefined;
  return db
    .updateTable('webhooks')
    .set({
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.events !== undefined ? { events: change.events } : {}),
      // A secret set by hand replaces the old one at once (rotateSecret is the overlapping way).
      ...(change.secretSealed !== undefined ? { secret_sealed: change.secretSealed, previous_secret_sealed: null, previous_secret_expires_at: null } : {}),
      // Re-enabling a webhook that failed gives it a fresh start.
      ...(change.enabled !== undefined
        ? { enabled: change.enabled, ...(change.enabled ? { status: 'active' as const, failed_at: null, disabled_reason: null } : {}) }
        : {}),
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * The new secret signs from now on; the current one keeps signing beside it until
 * `previousExpiresAt`, sealed again for its new column (the caller read it locked, `forUpdate`).
 */
export async function rotateWebhookSecret(
  db: DbOrTrx,
  orgId: string,
  id: string,
  rotation: { secretSealed: Buffer; previousSecretSealed: Buffer | null; previousExpiresAt: Date },
): Promise<Webhook | undefined> {
  if (!isUuid(id)) return undefined;
  return db
    .updateTable('webhooks')
    .set({
      previous_secret_sealed: rotation.previousSecretSealed,
      previous_secret_expires_at: rotation.previousSecretSealed === null ? null : rotation.previousExpiresAt,
      secret_sealed: rotation.secretSealed,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteWebhook(db: DbOrTrx, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db.deleteFrom('webhooks').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

function eventRow(orgId: string, event: { type: string; data: Record<string, unknown> }, sourceId: string | null, at: Date, fannedOut: boolean) {
  const payload: WebhookPayload = { event: event.type, timestamp: at.toISOString(), data: event.data };
  return { id: randomUUID(), org_id: orgId, type: event.type, payload: JSON.stringify(payload), source_id: sourceId, fanned_out_at: fannedOut ? at : null };
}

/**
 * Stores events in the caller's transaction (the change and its events commit together)
 * and returns the ids of those to fan out. An event no webhook of the organization
 * subscribes to (enabled or not) is stored as fanned out already: it stays on record for
 * retention and audit, and costs no workflow. As with Stripe and Svix, an endpoint gets
 * the events raised once it exists; one whose creation commits while this transaction
 * runs gets none of its events.
 */
export async function insertWebhookEvents(
  db: DbOrTrx,
  orgId: string,
  events: { type: string; data: Record<string, unknown> }[],
  sourceId: string | null = null,
): Promise<string[]> {
  if (events.length === 0) return [];
  const subscribed = await db
    .selectFrom('webhooks')
    .select(sql<string>`unnest(events)`.as('type'))
    .where('org_id', '=', orgId)
    .execute()
    .then((rows) => new Set(rows.map((row) => row.type)));
  const at = new Date();
  const rows = events.map((event) => eventRow(orgId, event, sourceId, at, !subscribed.has(event.type)));
  await db.insertInto('webhook_events').values(rows).execute();
  return rows.filter((row) => row.fanned_out_at === null).map((row) => row.id);
}

/** A `webhook.test` event: it goes to its one webhook by webhooks.test, never through a fan-out. */
export async function insertTestWebhookEvent(db: DbOrTrx, orgId: string, data: Record<string, unknown>): Promise<string> {
  const row = eventRow(orgId, { type: TEST_EVENT_TYPE, data }, null, new Date(), true);
  await db.insertInto('webhook_events').values(row).execute();
  return row.id;
}

export interface PlannedDelivery {
  deliveryId: string;
  webhookId: string;
  generation: number;
}

/**
 * One delivery row per webhook of the org subscribed to the event's type, once per pair,
 * in one statement: `pending` for an enabled webhook, `skipped` (with the reason) for a
 * disabled one, so an event raised while a webhook is disabled is still on its record.
 * Only webhooks that existed when the event was raised: one fanned out late (after an
 * outage, by the sweep) never reaches an endpoint created since, as with Stripe and Svix.
 */
export async function insertDeliveriesForEvent(db: DbOrTrx, eventId: string): Promise<void> {
  // The event is fanned out from now on, with or without subscribers: the sweep leaves it.
  await db
    .updateTable('webhook_events')
    .set({ fanned_out_at: sql<Date>`coalesce(fanned_out_at, now())` })
    .where('id', '=', eventId)
    .execute();
  await db
    .insertInto('webhook_deliveries')
    .columns(['id', 'org_id', 'webhook_id', 'event_id', 'status', 'reason'])
    .expression((eb) =>
      eb
        .selectFrom('webhook_events')
        .innerJoin('webhooks', (join) => join.onRef('webhooks.org_id', '=', 'webhook_events.org_id'))
        .select([
          sql<string>`gen_random_uuid()`.as('id'),
          'webhook_events.org_id',
          'webhooks.id as webhook_id',
          'webhook_events.id as event_id',
          sql<string>`case when webhooks.enabled then 'pending' else 'skipped' end`.as('status'),
          sql<string | null>`case when webhooks.enabled then null else 'the webhook is disabled' || coalesce(': ' || webhooks.disabled_reason, '') end`.as(
            'reason',
          ),
        ])
        .where('webhook_events.id', '=', eventId)
        .where(sql<boolean>`webhook_events.type = any(webhooks.events)`)
        .whereRef('webhooks.created_at', '<=', 'webhook_events.created_at'),
    )
    .onConflict((oc) => oc.columns(['event_id', 'webhook_id']).doNothing())
    .execute();
}

/** The event's pending deliveries after `afterWebhookId`, by webhook id, `limit` at most. */
export async function listPendingDeliveriesOfEvent(db: DbOrTrx, eventId: string, page: { afterWebhookId?: string; limit: number }): Promise<PlannedDelivery[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .select(['id as deliveryId', 'webhook_id as webhookId', 'generation'])
    .where('event_id', '=', eventId)
    .where('status', '=', 'pending');
  if (page.afterWebhookId) query = query.where('webhook_id', '>', page.afterWebhookId);
  return query.orderBy('webhook_id').limit(page.limit).execute();
}

/** One delivery of an event to one webhook, outside the fan-out (the dashboard's test send). */
export async function insertDelivery(db: DbOrTrx, orgId: string, delivery: { webhookId: string; eventId: string }): Promise<string> {
  const row = await db
    .insertInto('webhook_deliveries')
    .values({ id: randomUUID(), org_id: orgId, webhook_id: delivery.webhookId, event_id: delivery.eventId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Everything one attempt needs: the delivery's state, its webhook's target and secrets, the event's body. */
export async function findDeliveryToAttempt(db: DbOrTrx, deliveryId: string) {
  return (await findDeliveriesToAttempt(db, [deliveryId]))[0];
}

/** What findDeliveryToAttempt reads, for several deliveries in one statement (a batch of first attempts); the ones that do not exist are left out. */
export async function findDeliveriesToAttempt(db: DbOrTrx, deliveryIds: readonly string[]) {
  const ids = deliveryIds.filter(isUuid);
  if (ids.length === 0) return [];
  return db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
    .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .select([
      'webhook_deliveries.id',
      'webhook_deliveries.org_id',
      'webhook_deliveries.status',
      'webhook_deliveries.generation',
      'webhook_deliveries.event_id',
      'webhook_deliveries.webhook_id',
      'webhooks.url',
      'webhooks.enabled',
      'webhooks.secret_sealed',
      'webhooks.previous_secret_sealed',
      'webhooks.previous_secret_expires_at',
      'webhook_events.type as event_type',
      'webhook_events.payload',
      'webhook_events.content_purged_at as event_content_purged_at',
    ])
    .where('webhook_deliveries.id', 'in', ids)
    .execute();
}

export type DeliveryToAttempt = Awaited<ReturnType<typeof findDeliveriesToAttempt>>[number];

export interface AttemptRecord {
  deliveryId: string;
  httpStatus: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
  /** `retry`: the delivery stays pending until `nextAttemptAt`; `failed`: it failed for good, with `reason`. */
  result: { outcome: 'succeeded' } | { outcome: 'retry'; nextAttemptAt: Date } | { outcome: 'failed'; reason: string };
}

/**
 * Logs one attempt and moves the delivery on, in one statement: the attempt number is
 * the delivery's count of attempts so far plus one. A delivery skipped meanwhile (its
 * webhook was disabled) stays skipped unless this attempt succeeded.
 */
export async function recordDeliveryAttempt(db: DbOrTrx, attempt: AttemptRecord): Promise<number> {
  const { result } = attempt;
  const row = await db
    .with('delivery', (qb) =>
      qb
        .updateTable('webhook_deliveries')
        .set({
          attempts: sql`attempts + 1`,
          updated_at: sql`now()`,
          ...(result.outcome === 'succeeded' ? { status: 'succeeded' as const, reason: null } : {}),
          ...(result.outcome === 'failed'
            ? {
                status: sql`case when status = 'pending' then 'failed' else status end`,
                reason: sql`case when status = 'pending' then ${result.reason} else reason end`,
              }
            : {}),
        })
        .where('id', '=', attempt.deliveryId)
        .returning(['id', 'attempts']),
    )
    .insertInto('webhook_delivery_attempts')
    .columns(['delivery_id', 'attempt', 'http_status', 'duration_ms', 'response_excerpt', 'error', 'next_attempt_at'])
    .expression((eb) =>
      eb
        .selectFrom('delivery')
        .select([
          'delivery.id',
          'delivery.attempts',
          eb.val(attempt.httpStatus).as('http_status'),
          eb.val(Math.round(attempt.durationMs)).as('duration_ms'),
          eb.val(attempt.responseExcerpt).as('response_excerpt'),
          eb.val(attempt.error).as('error'),
          eb.val(result.outcome === 'retry' ? result.nextAttemptAt : null).as('next_attempt_at'),
        ]),
    )
    .returning('attempt')
    .executeTakeFirst();
  return row?.attempt ?? 0;
}

/** A delivery that will not be sent: skipped, with the reason, unless it already ended. */
export async function skipDelivery(db: DbOrTrx, deliveryId: string, reason: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'skipped', reason, updated_at: sql`now()` })
    .where('id', '=', deliveryId)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Relay disables the webhook (its schedule ran out, or the receiver answered 410 Gone):
 * it is failed, with the reason, and every delivery still pending for it is skipped.
 */
export async function disableFailedWebhook(db: DbOrTrx, webhookId: string, reason: string): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({ status: 'failed', enabled: false, failed_at: sql`now()`, disabled_reason: reason, updated_at: sql`now()` })
    .where('id', '=', webhookId)
    .execute();
  await skipPendingDeliveries(db, webhookId, `the webhook was disabled: ${reason}`);
}

/** Every delivery still pending for the webhook ends skipped with the reason (none is left pending). */
export async function skipPendingDeliveries(db: DbOrTrx, webhookId: string, reason: string): Promise<number> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'skipped', reason, updated_at: sql`now()` })
    .where('webhook_id', '=', webhookId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listDeliveries(db: DbOrTrx, orgId: string, webhookId: string, limit: number) {
  const deliveries = await db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .select([
      'webhook_deliveries.id',
      'webhook_deliveries.status',
      'webhook_deliveries.reason',
      'webhook_deliveries.attempts',
      'webhook_deliveries.event_id',
      'webhook_events.type',
      'webhook_events.created_at as event_created_at',
      'webhook_deliveries.created_at',
    ])
    .where('webhook_deliveries.org_id', '=', orgId)
    .where('webhook_deliveries.webhook_id', '=', webhookId)
    .orderBy('webhook_deliveries.created_at', 'desc')
    .orderBy('webhook_events.seq', 'desc')
    .limit(limit)
    .execute();
  const attempts = deliveries.length
    ? await db
        .selectFrom('webhook_delivery_attempts')
        .selectAll()
        .where(
          'delivery_id',
          'in',
          deliveries.map((d) => d.id),
        )
        .orderBy('attempt')
        .execute()
    : [];
  return deliveries.map((delivery) => ({ ...delivery, attempts_log: attempts.filter((attempt) => attempt.delivery_id === delivery.id) }));
}

/** One of the organization's deliveries, with when retention emptied its event's data (null while kept). */
export async function findDeliveryForOrg(db: DbOrTrx, orgId: string, deliveryId: string) {
  if (!isUuid(deliveryId)) return undefined;
  return db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .selectAll('webhook_deliveries')
    .select('webhook_events.content_purged_at as event_content_purged_at')
    .where('webhook_deliveries.org_id', '=', orgId)
    .where('webhook_deliveries.id', '=', deliveryId)
    .executeTakeFirst();
}

/** The first attempt at one of the organization's deliveries, if it was attempted. */
export async function findFirstDeliveryAttempt(db: DbOrTrx, orgId: string, deliveryId: string) {
  return db
    .selectFrom('webhook_delivery_attempts')
    .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_delivery_attempts.delivery_id')
    .selectAll('webhook_delivery_attempts')
    .where('webhook_deliveries.org_id', '=', orgId)
    .where('webhook_delivery_attempts.delivery_id', '=', deliveryId)
    .orderBy('webhook_delivery_attempts.attempt')
    .executeTakeFirst();
}

export type ReplaySelection = { deliveryId: string } | { webhookId: string; since: Date; until?: Date };

/**
 * Reopens the failed and skipped deliveries a replay asks for (one delivery, or the
 * webhook's deliveries of events raised in [since, until)) under `replayId`: pending
 * again, a new generation (so an earlier run still waiting on a timer sends nothing).
 * Deliveries of events past their retention period have no data left to send: never reopened.
 */
export async function reopenDeliveries(db: DbOrTrx, orgId: string, selection: ReplaySelection, replayId: string): Promise<number> {
  let query = db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', reason: null, generation: sql`generation + 1`, replay_id: replayId, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('status', 'in', ['failed', 'skipped'])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('webhook_events')
            .select('webhook_events.id')
            .whereRef('webhook_events.id', '=', 'webhook_deliveries.event_id')
            .where('webhook_events.content_purged_at', 'is not', null),
        ),
      ),
    );
  if ('deliveryId' in selection) {
    if (!isUuid(selection.deliveryId)) return 0;
    query = query.where('id', '=', selection.deliveryId);
  } else {
    const { webhookId, since, until } = selection;
    query = query.where('webhook_id', '=', webhookId).where('event_id', 'in', (eb) => {
      let events = eb.selectFrom('webhook_events').select('id').where('org_id', '=', orgId).where('created_at', '>=', since);
      if (until) events = events.where('created_at', '<', until);
      return events;
    });
  }
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The next deliveries of a replay, in the order their events were raised. */
export async function listReplayDeliveries(db: DbOrTrx, replayId: string, page: { afterSeq?: string; limit: number }) {
  let query = db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .select(['webhook_deliveries.id as deliveryId', 'webhook_deliveries.webhook_id as webhookId', 'webhook_deliveries.generation', 'webhook_events.seq'])
    .where('webhook_deliveries.replay_id', '=', replayId);
  if (page.afterSeq !== undefined) query = query.where('webhook_events.seq', '>', page.afterSeq);
  return query.orderBy('webhook_events.seq').limit(page.limit).execute();
}

export async function findWebhookEventIdsBySource(db: DbOrTrx, orgId: string, sourceId: string): Promise<string[]> {
  const rows = await db.selectFrom('webhook_events').select('id').where('org_id', '=', orgId).where('source_id', '=', sourceId).orderBy('seq').execute();
  return rows.map((row) => row.id);
}

/** Events recorded before `before` whose fan-out never planned their deliveries, oldest first: for the sweep. */
export async function listUnplannedWebhookEvents(db: DbOrTrx, before: Date, limit: number): Promise<{ id: string; org_id: string }[]> {
  return db
    .selectFrom('webhook_events')
    .select(['id', 'org_id'])
    .where('fanned_out_at', 'is', null)
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}
