import type { DbOrTrx } from '../db/database.js';
import { retentionCutoff, type RetentionBatch } from '../db/retention.js';

/**
 * Deletes up to `limit` partner delivery attempts past their organization's retention
 * period, oldest first; the delivery keeps its status and the partner's record id.
 */
export async function deleteExpiredPartnerAttempts(db: DbOrTrx, { defaultDays, limit }: RetentionBatch): Promise<number> {
  const expired = db
    .selectFrom('partner_delivery_attempts as a')
    .innerJoin('partner_deliveries as d', 'd.idempotency_key', 'a.idempotency_key')
    .innerJoin('organizations as o', 'o.id', 'd.org_id')
    .select('a.id')
    .where('a.at', '<', retentionCutoff(defaultDays))
    .orderBy('a.at')
    .limit(limit);
  const deleted = await db.deleteFrom('partner_delivery_attempts').where('id', 'in', expired).returning('id').execute();
  return deleted.length;
}
