import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { GdprRequestsTable } from '../db/tables/commerce.js';
import type { Customer } from '../db/tables/helpdesk.js';

// GDPR requests reach across the tables that hold personal data (customers, tickets,
// conversations, channel and inbound messages, orders): their SQL is kept here, together.

export type GdprTopic = GdprRequestsTable['topic'];

const REDACTED = '[redacted]';

/** Inbound emails whose sender is one of these addresses. */
const sentBy = (emails: string[]) => sql<boolean>`lower(parsed->'from'->>'address') in (${sql.join(emails)})`;

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

/** Everything Relay holds on these customers, for a GDPR data request. */
export async function exportCustomerRecords(db: DbOrTrx, orgId: string, customers: Customer[]) {
  const ids = customers.map((customer) => customer.id);
  if (ids.length === 0) return { customers: [], tickets: [], messages: [], orders: [], inbound_emails: [] };
  const tickets = await db.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('customer_id', 'in', ids).execute();
  const ticketIds = tickets.map((ticket) => ticket.id);
  const emails = customers.map((customer) => customer.email).filter((email): email is string => Boolean(email));
  return {
    customers,
    tickets,
    messages: ticketIds.length
      ? await db.selectFrom('conversation_messages').selectAll().where('org_id', '=', orgId).where('ticket_id', 'in', ticketIds).execute()
      : [],
    orders: await db.selectFrom('orders').selectAll().where('org_id', '=', orgId).where('customer_id', 'in', ids).execute(),
    inbound_emails: emails.length
      ? await db.selectFrom('inbound_messages').select(['id', 'parsed', 'received_at']).where('org_id', '=', orgId).where(sentBy(emails)).execute()
      : [],
  };
}

/** Erases these customers' personal data across customers, tickets, conversations, channel and inbound messages, and orders. */
export async function redactCustomerRecords(db: DbOrTrx, orgId: string, customers: Customer[]): Promise<void> {
  const ids = customers.map((customer) => customer.id);
  if (ids.length === 0) return;
  const emails = customers.map((customer) => customer.email).filter((email): email is string => Boolean(email));
  const ticketIds = (await db.selectFrom('tickets').select('id').where('org_id', '=', orgId).where('customer_id', 'in', ids).execute()).map((row) => row.id);
  if (ticketIds.length) {
    await db
      .updateTable('conversation_messages')
      .set({ body_text: REDACTED, body_html: null, from_address: null, subject: null })
      .where('org_id', '=', orgId)
      .where('ticket_id', 'in', ticketIds)
      .execute();
    await db
      .updateTable('channel_messages')
      .set({ body: null, sender: REDACTED, sender_name: null, payload: '{}' })
      .where('org_id', '=', orgId)
      .where('ticket_id', 'in', ticketIds)
      .execute();
    await db.updateTable('tickets').set({ subject: REDACTED }).where('org_id', '=', orgId).where('id', 'in', ticketIds).execute();
  }
  if (emails.length) {
    await db
      .updateTable('inbound_messages')
      .set({ parsed: null, raw: Buffer.alloc(0) })
      .where('org_id', '=', orgId)
      .where(sentBy(emails))
      .execute();
  }
  await db.updateTable('orders').set({ payload: '{}', customer_id: null }).where('org_id', '=', orgId).where('customer_id', 'in', ids).execute();
  await db.deleteFrom('channel_identities').where('org_id', '=', orgId).where('customer_id', 'in', ids).execute();
  await db
    .updateTable('customers')
    .set({ email: null, name: null, phone: null, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
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
