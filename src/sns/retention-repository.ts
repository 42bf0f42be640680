import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { retentionCutoff, type RetentionBatch } from '../db/retention.js';

/**
 * Empties the payload (the signed SNS message, with the SES event's addresses and headers)
 * of up to `limit` processed SNS messages past their organization's retention period
 * (messages that matched no email: the default period), oldest first. The row stays: its
 * SNS message id keeps a redelivery from applying the event twice, and it keeps the event
 * type, SES message id, the email it matched and its dates. Messages not processed yet
 * are left whole: the sweep still applies them from their payload.
 */
export async function purgeExpiredSnsPayloads(db: DbOrTrx, { defaultDays, limit }: RetentionBatch): Promise<number> {
  const expired = db
    .selectFrom('sns_messages as s')
    .leftJoin('organizations as o', 'o.id', 's.org_id')
    .select('s.sns_message_id')
    .where('s.content_purged_at', 'is', null)
    .where('s.processed_at', 'is not', null)
    .where('s.received_at', '<', retentionCutoff(defaultDays))
    .orderBy('s.received_at')
    .limit(limit);
  const purged = await db
    .updateTable('sns_messages')
    .set({ payload: '{}', content_purged_at: sql<Date>`now()` })
    .where('sns_message_id', 'in', expired)
    .returning('sns_message_id')
    .execute();
  return purged.length;
}
