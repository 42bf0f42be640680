import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { retentionCutoff, type RetentionBatch } from '../db/retention.js';

/**
 * Empties the raw request, the bodies and headers of up to `limit` inbound messages past
 * their organization's retention period (messages no organization claimed: the default
 * period), oldest first, and deletes their attachments. The row keeps the provider and its
 * message id, sender, recipients, subject, routing outcome and dates. Messages still being
 * received are left whole. Returns how many were purged.
 */
export async function purgeExpiredInboundContent(db: DbOrTrx, { defaultDays, limit }: RetentionBatch): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const expired = trx
      .selectFrom('inbound_messages as m')
      .leftJoin('organizations as o', 'o.id', 'm.org_id')
      .select('m.id')
      .where('m.content_purged_at', 'is', null)
      .where('m.status', '<>', 'received')
      .where('m.received_at', '<', retentionCutoff(defaultDays))
      .orderBy('m.received_at')
      .limit(limit);
    const purged = await trx
      .updateTable('inbound_messages')
      .set({
        raw: Buffer.alloc(0),
        parsed: sql<string>`parsed || '{"text": null, "html": null, "strippedText": null, "headers": []}'::jsonb`,
        content_purged_at: sql<Date>`now()`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', 'in', expired)
      .returning('id')
      .execute();
    const ids = purged.map((row) => row.id);
    if (ids.length > 0) await trx.deleteFrom('inbound_attachments').where('inbound_id', 'in', ids).execute();
    return ids.length;
  });
}

/** Deletes up to `limit` routing attempts (the log of deliveries to products) past their organization's period. */
export async function deleteExpiredRoutingAttempts(db: DbOrTrx, { defaultDays, limit }: RetentionBatch): Promise<number> {
  const expired = db
    .selectFrom('inbound_routing_attempts as a')
    .innerJoin('inbound_messages as m', 'm.id', 'a.inbound_id')
    .leftJoin('organizations as o', 'o.id', 'm.org_id')
    .select('a.id')
    .where('a.attempted_at', '<', retentionCutoff(defaultDays))
    .orderBy('a.attempted_at')
    .limit(limit);
  const deleted = await db.deleteFrom('inbound_routing_attempts').where('id', 'in', expired).returning('id').execute();
  return deleted.length;
}
