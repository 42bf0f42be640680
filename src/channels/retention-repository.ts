import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { retentionCutoff, type RetentionBatch } from '../db/retention.js';

/**
 * Empties the raw provider payload of up to `limit` channel messages past their
 * organization's retention period, oldest first. The row keeps its kind, sender, thread,
 * body and ticket, and the ticket and customer threaded from it stay as they are. Call
 * events of a Dialpad call not yet finished are left whole: the sweep signals its workflow
 * with them again.
 */
export async function purgeExpiredChannelPayloads(db: DbOrTrx, { defaultDays, limit }: RetentionBatch): Promise<number> {
  const expired = db
    .selectFrom('channel_messages as m')
    .innerJoin('organizations as o', 'o.id', 'm.org_id')
    .select('m.id')
    .where('m.content_purged_at', 'is', null)
    .where('m.received_at', '<', retentionCutoff(defaultDays))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('dialpad_calls as c')
            .select('c.call_id')
            .whereRef('c.channel_id', '=', 'm.channel_id')
            .where('c.finished_at', 'is', null)
            .where(sql<boolean>`m.thread_key = 'call:' || c.call_id`),
        ),
      ),
    )
    .orderBy('m.received_at')
    .limit(limit);
  const purged = await db
    .updateTable('channel_messages')
    .set({ payload: '{}', content_purged_at: sql<Date>`now()` })
    .where('id', 'in', expired)
    .returning('id')
    .execute();
  return purged.length;
}
