import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { TEST_EVENT_TYPE, type Webhook, type WebhookEventType, type WebhookPayload } from '../db/tables/webhooks.js';
import { isUuid } from '../db/uuid.js';

export async function createWebhook(
  db: DbOrTrx,
  webhook: { orgId: string; url: string; events: WebhookEventType[]; secretSealed: Buffer | null; enabled: boolean },
): Promise<Webhook> {
  return db
    .insertInto('webhooks')
    .values({
      id: randomUUID(),
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

export async function findWebhook(db: DbOrTrx, orgId: string, id: string): Promise<Webhook | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('webhooks').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
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
      ...(change.secretSealed !== undefined ? { secret_sealed: change.secretSealed } : {}),
      // Re-enabling a webhook that failed gives it a fresh start.
      ...(change.enabled !== undefined ? { enabled: change.enabled, ...(change.enabled ? { status: 'active' as const, failed_at: null } : {}) } : {}),
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

/** Stores events in the caller's transaction (the change and its events commit together). */
export async function insertWebhookEvents(
  db: DbOrTrx,
  orgId: string,
  events: { type: string; data: Record<string, unknown> }[],
  sourceId: string | null = null,
): Promise<string[]> {
  const rows = events.map((event) => {
    const payload: WebhookPayload = { event: event.type, timestamp: new Date().toISOString(), data: event.data };
    // A test event goes to its one webhook by webhooks.test, never through a fan-out.
    const fannedOutAt = event.type === TEST_EVENT_TYPE ? new Date() : null;
    return { id: randomUUID(), org_id: orgId, type: event.type, payload: JSON.stringify(payload), source_id: sourceId, fanned_out_at: fannedOutAt };
  });
  if (rows.length > 0) await db.insertInto('webhook_events').values(rows).execute();
  return rows.map((row) => row.id);
}

/**
 * One delivery row per enabled webhook of the org subscribed to the event's type (once per
 * pair), and the event marked fanned out (with or without subscribers): the sweep leaves it.
 */
export async function planDeliveries(db: DbOrTrx, eventId: string): Promise<{ deliveryId: string; webhookId: string }[]> {
  const event = await db
    .updateTable('webhook_events')
    .set({ fanned_out_at: sql<Date>`coalesce(fanned_out_at, now())` })
    .where('id', '=', eventId)
    .returning(['org_id', 'type'])
    .executeTakeFirst();
  if (!event) return [];
  const targets = await db
    .selectFrom('webhooks')
    .select('id')
    .where('org_id', '=', event.org_id)
    .where('enabled', '=', true)
    .where(sql<boolean>`${event.type} = any(events)`)
    .execute();
  if (targets.length === 0) return [];
  await db
    .insertInto('webhook_deliveries')
    .values(targets.map((target) => ({ id: randomUUID(), org_id: event.org_id, webhook_id: target.id, event_id: eventId })))
    .onConflict((oc) => oc.columns(['event_id', 'webhook_id']).doNothing())
    .execute();
  const rows = await db.selectFrom('webhook_deliveries').select(['id', 'webhook_id']).where('event_id', '=', eventId).execute();
  return rows.map((row) => ({ deliveryId: row.id, webhookId: row.webhook_id }));
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

export async function getDelivery(db: DbOrTrx, deliveryId: string) {
  if (!isUuid(deliveryId)) return undefined;
  return db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
    .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .select([
      'webhook_deliveries.id',
      'webhook_deliveries.org_id',
      'webhook_deliveries.status',
      'webhook_deliveries.attempts',
      'webhook_deliveries.event_id',
      'webhook_deliveries.webhook_id',
      'webhooks.url',
      'webhooks.enabled',
      'webhooks.secret_sealed',
      'webhook_events.type as event_type',
      'webhook_events.payload',
    ])
    .where('webhook_deliveries.id', '=', deliveryId)
    .executeTakeFirst();
}

export async function recordDeliveryAttempt(
  db: DbOrTrx,
  attempt: {
    deliveryId: string;
    attempt: number;
    httpStatus: number | null;
    durationMs: number;
    responseExcerpt: string | null;
    error: string | null;
    succeeded: boolean;
  },
): Promise<void> {
  await db
    .insertInto('webhook_delivery_attempts')
    .values({
      delivery_id: attempt.deliveryId,
      attempt: attempt.attempt,
      http_status: attempt.httpStatus,
      duration_ms: Math.round(attempt.durationMs),
      response_excerpt: attempt.responseExcerpt,
      error: attempt.error,
    })
    .execute();
  await db
    .updateTable('webhook_deliveries')
    .set({ attempts: sql`attempts + 1`, updated_at: sql`now()`, ...(attempt.succeeded ? { status: 'succeeded' as const } : {}) })
    .where('id', '=', attempt.deliveryId)
    .execute();
}

/** The delivery failed for good: it is marked failed, and its webhook failed and disabled. */
export async function failDeliveryAndWebhook(db: DbOrTrx, deliveryId: string): Promise<void> {
  const delivery = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', updated_at: sql`now()` })
    .where('id', '=', deliveryId)
    .returning('webhook_id')
    .executeTakeFirst();
  if (!delivery) return;
  await db
    .updateTable('webhooks')
    .set({ status: 'failed', enabled: false, failed_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', delivery.webhook_id)
    .execute();
}

export async function listDeliveries(db: DbOrTrx, orgId: string, webhookId: string, limit: number) {
  const deliveries = await db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
    .select([
      'webhook_deliveries.id',
      'webhook_deliveries.status',
      'webhook_deliveries.attempts',
      'webhook_deliveries.event_id',
      'webhook_events.type',
      'webhook_deliveries.created_at',
    ])
    .where('webhook_deliveries.org_id', '=', orgId)
    .where('webhook_deliveries.webhook_id', '=', webhookId)
    .orderBy('webhook_deliveries.created_at', 'desc')
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

export async function findDeliveryForOrg(db: DbOrTrx, orgId: string, deliveryId: string) {
  if (!isUuid(deliveryId)) return undefined;
  return db.selectFrom('webhook_deliveries').selectAll().where('org_id', '=', orgId).where('id', '=', deliveryId).executeTakeFirst();
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

/** A replayed delivery is pending again until its new run records an outcome. */
export async function reopenDelivery(db: DbOrTrx, orgId: string, deliveryId: string): Promise<void> {
  await db.updateTable('webhook_deliveries').set({ status: 'pending' }).where('org_id', '=', orgId).where('id', '=', deliveryId).execute();
}

export async function findWebhookEventIdsBySource(db: DbOrTrx, orgId: string, sourceId: string): Promise<string[]> {
  const rows = await db.selectFrom('webhook_events').select('id').where('org_id', '=', orgId).where('source_id', '=', sourceId).orderBy('created_at').execute();
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
