import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { DebriefAction } from '../db/tables/partners.js';

// Debrief deliveries to partners, and every attempt at one.

export interface NewPartnerDelivery {
  idempotencyKey: string;
  orgId: string;
  partnerId: string;
  connectionId: string;
  userId: string;
  action: DebriefAction;
  payload: Record<string, unknown>;
}

export async function insertPartnerDeliveries(db: DbOrTrx, deliveries: NewPartnerDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await db
    .insertInto('partner_deliveries')
    .values(
      deliveries.map((delivery) => ({
        idempotency_key: delivery.idempotencyKey,
        partner_id: delivery.partnerId,
        connection_id: delivery.connectionId,
        user_id: delivery.userId,
        org_id: delivery.orgId,
        action: delivery.action,
        payload: JSON.stringify(delivery.payload),
        partner_record_id: null,
        error_event: null,
      })),
    )
    .execute();
}

/** A delivery with where it goes and the sealed secret it is signed with: for the delivery workflow's activities. */
export async function findPartnerDeliveryTarget(db: DbOrTrx, idempotencyKey: string) {
  return db
    .selectFrom('partner_deliveries')
    .innerJoin('partners', 'partners.id', 'partner_deliveries.partner_id')
    .select([
      'partner_deliveries.idempotency_key',
      'partner_deliveries.action',
      'partner_deliveries.payload',
      'partner_deliveries.org_id',
      'partners.id as partner_id',
      'partners.webhook_url',
      'partners.error_url',
      'partners.signing_secret_sealed',
    ])
    .where('partner_deliveries.idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}

/** A delivery's outcome: the partner's record id when it succeeded, what became of the error event when it failed; a replay starts over. */
export async function updatePartnerDeliveryStatus(
  db: DbOrTrx,
  idempotencyKey: string,
  change:
    | { status: 'succeeded'; partnerRecordId: string | null }
    | { status: 'failed'; errorEvent: 'sent' | 'failed' | 'none' }
    | { status: 'pending'; errorEvent: null },
): Promise<void> {
  await db
    .updateTable('partner_deliveries')
    .set({
      status: change.status,
      ...('partnerRecordId' in change ? { partner_record_id: change.partnerRecordId } : { error_event: change.errorEvent }),
      updated_at: sql`now()`,
    })
    .where('idempotency_key', '=', idempotencyKey)
    .execute();
}

export async function insertPartnerDeliveryAttempt(
  db: DbOrTrx,
  attempt: { idempotencyKey: string; kind: 'delivery' | 'error_event'; attempt: number; httpStatus: number | null; durationMs: number; error: string | null },
): Promise<void> {
  await db
    .insertInto('partner_delivery_attempts')
    .values({
      idempotency_key: attempt.idempotencyKey,
      kind: attempt.kind,
      attempt: attempt.attempt,
      http_status: attempt.httpStatus,
      duration_ms: attempt.durationMs,
      error: attempt.error,
    })
    .execute();
}

/** The attempts at these deliveries in the order they happened, of one kind or all. */
export async function listPartnerDeliveryAttempts(db: DbOrTrx, idempotencyKeys: string[], kind?: 'delivery' | 'error_event') {
  if (idempotencyKeys.length === 0) return [];
  let query = db.selectFrom('partner_delivery_attempts').selectAll().where('idempotency_key', 'in', idempotencyKeys);
  if (kind) query = query.where('kind', '=', kind);
  return query.orderBy('id').execute();
}

/** A partner's deliveries, newest first: for operators, across organizations. */
export async function listPartnerDeliveries(db: DbOrTrx, partnerId: string, limit: number) {
  return db.selectFrom('partner_deliveries').selectAll().where('partner_id', '=', partnerId).orderBy('created_at', 'desc').limit(limit).execute();
}

/** Deliveries stored before `before` and still pending, oldest first: for the sweep (a running delivery's start is refused). */
export async function listPendingPartnerDeliveries(db: DbOrTrx, before: Date, limit: number): Promise<{ idempotency_key: string; org_id: string }[]> {
  return db
    .selectFrom('partner_deliveries')
    .select(['idempotency_key', 'org_id'])
    .where('status', '=', 'pending')
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}
