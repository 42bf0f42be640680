import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { ConversationMessage, Customer, Ticket, TicketPriority, TicketStatus } from '../db/tables/helpdesk.js';
import { isUuid } from '../db/uuid.js';

/** The customer with this email in the organization, created when new. */
export async function findOrCreateCustomerByEmail(
  db: DbOrTrx,
  orgId: string,
  email: string,
  name: string | null,
): Promise<{ customer: Customer; created: boolean }> {
  const inserted = await db
    .insertInto('customers')
    .values({ id: randomUUID(), org_id: orgId, email: email.toLowerCase(), name, phone: null })
    .onConflict((oc) => oc.columns(['org_id', 'email']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { customer: inserted, created: true };
  const customer = await db.selectFrom('customers').selectAll().where('org_id', '=', orgId).where('email', '=', email.toLowerCase()).executeTakeFirstOrThrow();
  return { customer, created: false };
}

/** Creates a ticket with the organization's next number (numbers never repeat within an org). */
export async function createTicket(
  db: DbOrTrx,
  ticket: { orgId: string; subject: string; customerId: string | null; channel: string; threadKey?: string },
): Promise<Ticket> {
  const { last_number: number } = await db
    .insertInto('ticket_counters')
    .values({ org_id: ticket.orgId, last_number: 1 })
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ last_number: sql`ticket_counters.last_number + 1` }))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return db
    .insertInto('tickets')
    .values({
      id: randomUUID(),
      org_id: ticket.orgId,
      number,
      subject: ticket.subject || '(no subject)',
      assignee: null,
      customer_id: ticket.customerId,
      channel: ticket.channel,
      thread_key: ticket.threadKey ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findTicketByNumber(db: DbOrTrx, orgId: string, number: number): Promise<Ticket | undefined> {
  return db.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('number', '=', number).executeTakeFirst();
}

/** How many of a reply's newest References are looked up. */
const MAX_THREADING_IDS = 50;

/** The ticket a conversation message with one of these Message-IDs belongs to (the last id first). */
export async function findTicketByMessageIds(db: DbOrTrx, orgId: string, messageIds: string[]): Promise<Ticket | undefined> {
  // One query over the newest ids: a References header is the sender's to make as long as it likes.
  const newest = messageIds.slice(-MAX_THREADING_IDS);
  if (newest.length === 0) return undefined;
  const matches = await db
    .selectFrom('conversation_messages')
    .innerJoin('tickets', 'tickets.id', 'conversation_messages.ticket_id')
    .select(['tickets.id', 'conversation_messages.message_id'])
    .where('conversation_messages.org_id', '=', orgId)
    .where('conversation_messages.message_id', 'in', newest)
    .execute();
  const newestMatch = [...newest].reverse().find((messageId) => matches.some((row) => row.message_id === messageId));
  const ticketId = matches.find((row) => row.message_id === newestMatch)?.id;
  return ticketId ? db.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('id', '=', ticketId).executeTakeFirst() : undefined;
}

export interface NewConversationMessage {
  /** Chosen by the caller when something else is keyed by it (a reply); random otherwise. */
  id?: string;
  orgId: string;
  ticketId: string;
  direction: 'inbound' | 'outbound';
  channel: string;
  fromAddress: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
  messageId: string | null;
  inboundId: string | null;
  /** The connected channel it came in or goes out on. */
  channelId?: string | null;
  /** The agent who wrote it. */
  authorUserId?: string | null;
  /** When the message was received, if not now: a conversation reads in the order it arrived. */
  createdAt?: Date;
}

export async function addConversationMessage(db: DbOrTrx, message: NewConversationMessage): Promise<ConversationMessage> {
  const row = await db
    .insertInto('conversation_messages')
    .values({
      id: message.id ?? randomUUID(),
      org_id: message.orgId,
      ticket_id: message.ticketId,
      direction: message.direction,
      channel: message.channel,
      from_address: message.fromAddress,
      subject: message.subject,
      body_text: message.text,
      body_html: message.html,
      message_id: message.messageId,
      inbound_id: message.inboundId,
      channel_id: message.channelId ?? null,
      author_user_id: message.authorUserId ?? null,
      ...(message.createdAt ? { created_at: message.createdAt } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .updateTable('tickets')
    .set({ updated_at: sql`now()` })
    .where('id', '=', message.ticketId)
    .execute();
  return row;
}

/** The customer behind a channel identity (phone number, wa_id, PSID, Slack user), created when new. */
export async function findOrCreateCustomerByIdentity(
  db: DbOrTrx,
  identity: { orgId: string; channelType: string; identity: string; name: string | null; phone: string | null },
): Promise<{ customer: Customer; created: boolean }> {
  const known = await db
    .selectFrom('channel_identities')
    .innerJoin('customers', 'customers.id', 'channel_identities.customer_id')
    .selectAll('customers')
    .where('channel_identities.org_id', '=', identity.orgId)
    .where('channel_identities.channel_type', '=', identity.channelType)
    .where('channel_identities.identity', '=', identity.identity)
    .executeTakeFirst();
  if (known) {
    // A name learned later (a contact card in a later message) fills in one not known before.
    if (!known.name && identity.name) {
      const named = await db.updateTable('customers').set({ name: identity.name }).where('id', '=', known.id).returningAll().executeTakeFirstOrThrow();
      return { customer: named, created: false };
    }
    return { customer: known, created: false };
  }
  const customer = await db
    .insertInto('customers')
    .values({ id: randomUUID(), org_id: identity.orgId, email: null, name: identity.name, phone: identity.phone })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .insertInto('channel_identities')
    .values({ org_id: identity.orgId, channel_type: identity.channelType, identity: identity.identity, customer_id: customer.id })
    .execute();
  return { customer, created: true };
}

/** The open (or pending) ticket of a channel conversation. */
export async function findOpenThreadTicket(db: DbOrTrx, orgId: string, channel: string, threadKey: string): Promise<Ticket | undefined> {
  return db
    .selectFrom('tickets')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('channel', '=', channel)
    .where('thread_key', '=', threadKey)
    .where('status', 'in', ['open', 'pending'])
    .orderBy('number', 'desc')
    .executeTakeFirst();
}

/** The ticket an inbound email was already threaded into (a retried activity threads once). */
export async function findTicketOfInbound(db: DbOrTrx, inboundId: string): Promise<Ticket | undefined> {
  return db
    .selectFrom('conversation_messages')
    .innerJoin('tickets', 'tickets.id', 'conversation_messages.ticket_id')
    .selectAll('tickets')
    .where('conversation_messages.inbound_id', '=', inboundId)
    .executeTakeFirst();
}

export async function findTicket(db: DbOrTrx, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Ticket | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function listTickets(db: DbOrTrx, orgId: string, filter: { status?: TicketStatus; limit: number }): Promise<Ticket[]> {
  let query = db.selectFrom('tickets').selectAll().where('org_id', '=', orgId);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.orderBy('number', 'desc').limit(filter.limit).execute();
}

export async function findConversationMessage(db: DbOrTrx, orgId: string, id: string): Promise<ConversationMessage | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('conversation_messages').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** A ticket's conversation in the order it happened. */
export async function listConversation(db: DbOrTrx, orgId: string, ticketId: string) {
  return db
    .selectFrom('conversation_messages')
    .select(['id', 'direction', 'channel', 'from_address', 'subject', 'body_text', 'created_at'])
    .where('org_id', '=', orgId)
    .where('ticket_id', '=', ticketId)
    .orderBy('created_at')
    .execute();
}

export async function updateTicket(
  db: DbOrTrx,
  id: string,
  change: { subject?: string; status?: TicketStatus; priority?: TicketPriority; assignee?: string | null },
): Promise<Ticket> {
  return db
    .updateTable('tickets')
    .set({ ...change, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findCustomer(db: DbOrTrx, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Customer | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db.selectFrom('customers').selectAll().where('org_id', '=', orgId).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/** Whether another customer of the organization already has this email. */
export async function customerEmailTaken(db: DbOrTrx, orgId: string, email: string, exceptId: string): Promise<boolean> {
  const taken = await db
    .selectFrom('customers')
    .select('id')
    .where('org_id', '=', orgId)
    .where('email', '=', email.toLowerCase())
    .where('id', '!=', exceptId)
    .executeTakeFirst();
  return taken !== undefined;
}

export async function updateCustomer(
  db: DbOrTrx,
  id: string,
  change: { name?: string | null; phone?: string | null; email?: string | null },
): Promise<Customer> {
  return db
    .updateTable('customers')
    .set({ ...change, ...(change.email ? { email: change.email.toLowerCase() } : {}), updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findCustomerByEmail(db: DbOrTrx, orgId: string, email: string): Promise<Customer | undefined> {
  return db.selectFrom('customers').selectAll().where('org_id', '=', orgId).where('email', '=', email.toLowerCase()).executeTakeFirst();
}

/**
 * Customers linked to identities on one channel: the one `identity`, or every identity
 * starting with `identityPrefix` (all customers of one Shopify shop, "shop:id").
 */
export async function findCustomersByChannelIdentity(
  db: DbOrTrx,
  orgId: string,
  channelType: string,
  match: { identity: string } | { identityPrefix: string },
): Promise<Customer[]> {
  const query = db
    .selectFrom('channel_identities')
    .innerJoin('customers', 'customers.id', 'channel_identities.customer_id')
    .selectAll('customers')
    .where('channel_identities.org_id', '=', orgId)
    .where('channel_identities.channel_type', '=', channelType);
  return 'identity' in match
    ? query.where('channel_identities.identity', '=', match.identity).execute()
    : query.where('channel_identities.identity', 'like', `${match.identityPrefix.replace(/[\\%_]/g, '\\$&')}%`).execute();
}

export async function createCustomer(
  db: DbOrTrx,
  orgId: string,
  customer: { email: string | null; name: string | null; phone: string | null },
): Promise<Customer> {
  return db
    .insertInto('customers')
    .values({ id: randomUUID(), org_id: orgId, email: customer.email?.toLowerCase() ?? null, name: customer.name, phone: customer.phone })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Links a channel identity to a customer; with `keepExisting`, an identity already linked stays as it is instead of failing. */
export async function linkChannelIdentity(
  db: DbOrTrx,
  link: { orgId: string; channelType: string; identity: string; customerId: string },
  options: { keepExisting?: boolean } = {},
): Promise<void> {
  const insert = db
    .insertInto('channel_identities')
    .values({ org_id: link.orgId, channel_type: link.channelType, identity: link.identity, customer_id: link.customerId });
  await (options.keepExisting ? insert.onConflict((oc) => oc.doNothing()) : insert).execute();
}
