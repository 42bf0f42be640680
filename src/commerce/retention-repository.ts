import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { retentionCutoff, type RetentionBatch } from '../db/retention.js';

/**
 * Empties the raw payload of up to `limit` applied commerce events past their organization's
 * retention period (events about no organization: the default period), oldest first. The
 * row keeps the provider, event id and signed body's hash (dedupe), topic, account and
 * dates; the orders, customers and subscriptions applied from it stay. Events not applied
 * yet are left whole, and so are the Stripe Connect events a helpdesk customer's
 * subscription is still read from (customer.*, checkout.session.*, invoice.*).
 */
export async function purgeExpiredCommercePayloads(db: DbOrTrx, { defaultDays, limit }: RetentionBatch): Promise<number> {
  const expired = db
    .selectFrom('commerce_events as e')
    .leftJoin('organizations as o', 'o.id', 'e.org_id')
    .select('e.id')
    .where('e.content_purged_at', 'is', null)
    .where('e.processed_at', 'is not', null)
    .where('e.received_at', '<', retentionCutoff(defaultDays))
    .where(sql<boolean>`not (e.provider = 'stripe_connect' and (e.topic like 'customer.%' or e.topic like 'checkout.session.%' or e.topic like 'invoice.%'))`)
    .orderBy('e.received_at')
    .limit(limit);
  const purged = await db
    .updateTable('commerce_events')
    .set({ payload: '{}', content_purged_at: sql<Date>`now()` })
    .where('id', 'in', expired)
    .returning('id')
    .execute();
  return purged.length;
}
