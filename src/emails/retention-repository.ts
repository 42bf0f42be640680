import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { retentionCutoff, type RetentionBatch } from '../db/retention.js';

/**
 * Empties the bodies, headers and attachments of up to `limit` emails past their
 * organization's retention period, oldest first; the row keeps its addresses, subject,
 * tags, metadata, status, SES id and dates (billing, audit, the timeline). Emails still
 * queued are left whole: they have yet to be sent. Returns how many were purged.
 */
export async function purgeExpiredEmailContent(db: DbOrTrx, { defaultDays, limit }: RetentionBatch): Promise<number> {
  const expired = db
    .selectFrom('emails as e')
    .innerJoin('organizations as o', 'o.id', 'e.org_id')
    .select('e.id')
    .where('e.content_purged_at', 'is', null)
    .where('e.status', '<>', 'queued')
    .where('e.created_at', '<', retentionCutoff(defaultDays))
    .orderBy('e.created_at')
    .limit(limit);
  const purged = await db
    .updateTable('emails')
    .set({
      content: sql<string>`content || '{"html": null, "text": null, "headers": {}, "attachments": []}'::jsonb`,
      content_purged_at: sql<Date>`now()`,
    })
    .where('id', 'in', expired)
    .returning('id')
    .execute();
  return purged.length;
}
