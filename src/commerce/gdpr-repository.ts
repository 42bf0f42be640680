import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DataSubject } from '../db/data-subject.js';
import type { DbOrTrx } from '../db/database.js';
import type { GdprRequestsTable } from '../db/tables/commerce.js';

// GDPR requests (the compliance record) and commerce's own part of them: orders and the
// stored provider events. Every other capability erases and exports its own tables
// through its index.ts; gdpr.ts orchestrates.

export type GdprTopic = GdprRequestsTable['topic'];

export async function insertGdprRequest(db: DbOrTrx, request: { orgId: string; shop: string; topic: GdprTopic; subject: unknown }): Promise<string> {
  const row = await db
    .insertInto('gdpr_requests')
    .values({
      id: randomUUID(),
      org_id: request.orgId,
      shop: request.shop,
      topic: request.topic,
      subject: JSON.stringify(request.subject),
      export: null,
      completed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function completeGdprRequest(db: DbOrTrx, orgId: string, requestId: string, exported: unknown): Promise<void> {
  await db
    .updateTable('gdpr_requests')
    .set({ status: 'completed', completed_at: sql`now()`, export: exported === null ? null : JSON.stringify(exported) })
    .where('org_id', '=', orgId)
    .where('id', '=', requestId)
    .execute();
}

export async function listGdprRequests(db: DbOrTrx, orgId: string) {
  return db.selectFrom('gdpr_requests').selectAll().where('org_id', '=', orgId).orderBy('received_at', 'desc').limit(100).execute();
}

/** A JSON column mentions one of the subject's addresses or numbers (stored provider payloads have no fixed shape). */
function mentions(column: string, subject: DataSubject) {
  const needles = [...subject.emails, ...subject.phones];
  if (needles.length === 0) return sql<boolean>`false`;
  return sql<boolean>`(${sql.join(
    needles.map((needle) => sql`strpos(lower(${sql.ref(column)}::text), ${needle.toLowerCase()}) > 0`),
    sql` or `,
  )})`;
}

/** The subject's orders: linked to its customers, or naming its address or number. */
function ordersOf(subject: DataSubject) {
  const linked = subject.customerIds.length ? sql<boolean>`customer_id in (${sql.join(subject.customerIds)})` : sql<boolean>`false`;
  return sql<boolean>`(${linked} or ${mentions('payload', subject)})`;
}

export async function exportCommerceData(db: DbOrTrx, subject: DataSubject) {
  return { orders: await db.selectFrom('orders').selectAll().where('org_id', '=', subject.orgId).where(ordersOf(subject)).execute() };
}

/**
 * Erases the subject from orders (their status and totals stay), from every stored
 * provider event naming it (Shopify, Stripe, Amazon, Resend payloads: emptied), and from
 * earlier GDPR requests about it (their subject keeps the provider's customer id only, a
 * data request's export is dropped).
 */
export async function redactCommerceData(db: DbOrTrx, subject: DataSubject, providerCustomerIds: string[]): Promise<void> {
  const { orgId } = subject;
  await db.updateTable('orders').set({ payload: '{}', customer_id: null }).where('org_id', '=', orgId).where(ordersOf(subject)).execute();
  const shopifyCustomer = providerCustomerIds.length
    ? sql<boolean>`(provider = 'shopify' and (payload->>'id' in (${sql.join(providerCustomerIds)}) and topic like 'customers/%' or payload->'customer'->>'id' in (${sql.join(providerCustomerIds)})))`
    : sql<boolean>`false`;
  await db
    .updateTable('commerce_events')
    .set({ payload: '{}' })
    .where('org_id', '=', orgId)
    .where(sql<boolean>`(${mentions('payload', subject)} or ${shopifyCustomer})`)
    .execute();
  const earlier = providerCustomerIds.length ? sql<boolean>`subject->>'id' in (${sql.join(providerCustomerIds)})` : sql<boolean>`false`;
  await db
    .updateTable('gdpr_requests')
    .set({
      subject: sql`jsonb_build_object('id', subject->'id')`,
      export: sql`case when export is null then null else '{"redacted": true}'::jsonb end`,
    })
    .where('org_id', '=', orgId)
    .where(sql<boolean>`(${mentions('subject', subject)} or ${mentions('export', subject)} or ${earlier})`)
    .execute();
}

/** A shop's orders deleted and its stored webhooks emptied (its customers are redacted apart). */
export async function redactShopRecords(db: DbOrTrx, orgId: string, shop: string): Promise<void> {
  await db.deleteFrom('orders').where('org_id', '=', orgId).where('provider', '=', 'shopify').where('account', '=', shop).execute();
  await db
    .updateTable('commerce_events')
    .set({ payload: '{}' })
    .where('org_id', '=', orgId)
    .where('provider', '=', 'shopify')
    .where('account', '=', shop)
    .execute();
}

/** The GDPR webhook itself names the customer: kept as the compliance record, its payload emptied. */
export async function emptyGdprEvent(db: DbOrTrx, eventId: string, topic: GdprTopic): Promise<void> {
  await db
    .updateTable('commerce_events')
    .set({ payload: JSON.stringify({ topic, completed: true }) })
    .where('id', '=', eventId)
    .execute();
}
