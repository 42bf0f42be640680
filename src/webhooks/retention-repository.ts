import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { retentionCutoff, type RetentionBatch } from '../db/retention.js';

/**
 * Deletes up to `limit` delivery attempts (status, timing, the receiver's answer) past
 * their organization's retention period, oldest first. The delivery keeps its status,
 * attempt count and reason, so the endpoint's record stays.
 */
export async function deleteExpiredWebhookAttempts(db: DbOrTrx, { defaultDays, limit }: RetentionBatch): Promise<number> {
  const expired = db
    .selectFrom('webhook_delivery_attempts as a')
    .innerJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
    .innerJoin('organizations as o', 'o.id', 'd.org_id')
    .select('a.id')
    .where('a.attempted_at', '<', retentionCutoff(defaultDays))
    .orderBy('a.attempted_at')
    .limit(limit);
  const deleted = await db.deleteFrom('webhook_delivery_attempts').where('id', 'in', expired).returning('id').execute();
  return deleted.length;
}

/**
 * Empties the data of up to `limit` outgoing webhook events past their organization's
 * retention period, oldest first; the payload keeps its event type and timestamp, the row
 * its type, source and dates, and its deliveries their outcomes. Events whose fan-out has
 * not run or with a delivery still pending are left whole: they have yet to be sent.
 */
export async function purgeExpiredWebhookEventPayloads(db: DbOrTrx, { defaultDays, limit }: RetentionBatch): Promise<number> {
  const expired = db
    .selectFrom('webhook_events as e')
    .innerJoin('organizations as o', 'o.id', 'e.org_id')
    .select('e.id')
    .where('e.content_purged_at', 'is', null)
    .where('e.fanned_out_at', 'is not', null)
    .where('e.created_at', '<', retentionCutoff(defaultDays))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'e.id').where('d.status', '=', 'pending'))),
    )
    .orderBy('e.created_at')
    .limit(limit);
  const purged = await db
    .updateTable('webhook_events')
    .set({ payload: sql<string>`jsonb_set(payload, '{data}', '{}'::jsonb)`, content_purged_at: sql<Date>`now()` })
    .where('id', 'in', expired)
    .returning('id')
    .execute();
  return purged.length;
}
