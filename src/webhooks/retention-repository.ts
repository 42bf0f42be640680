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
