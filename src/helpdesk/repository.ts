import { randomUUID } from 'node:crypto';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database, DbOrTrx } from '../db/database.js';
import type { ConversationMessage, Customer, Ticket, TicketPriority, TicketStatus } from '../db/tables/helpdesk.js';
import { REDACTED, type DataSubject } from '../db/data-subject.js';
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
  // A name learned later (the sender's display name on a later mail) fills in one not known before.
  if (!customer.name && name) {
    const named = await db
      .updateTable('customers')
      .set({ name, updated_at: sql`now()` })
      .where('id', '=', customer.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { customer: named, created: false };
  }
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

/** How many merges are followed from a ticket to the one that holds its conversation now. */
const MAX_MERGE_HOPS = 5;

/** The ticket a merged one went into (itself when not merged). */
export async function followMerges(db: DbOrTrx, orgId: string, ticket: Ticket | undefined): Promise<Ticket | undefined> {
  let current = ticket;
  for (let hop = 0; current?.merged_into && hop < MAX_MERGE_HOPS; hop += 1) {
    current = await db.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('id', '=', current.merged_into).executeTakeFirst();
  }
  return current;
}

/** The ticket numbered `number`, or the one it was merged into. */
export async function findTicketByNumber(db: DbOrTrx, orgId: string, number: number): Promise<Ticket | undefined> {
  return followMerges(db, orgId, await db.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('number', '=', number).executeTakeFirst());
}

/**
 * Whether `address` takes part in the ticket: its customer's email, the sender of one of its
 * messages, or the recipient of one of its replies. Anyone can type "[Ticket #n]".
 */
export async function isTicketParticipant(db: DbOrTrx, orgId: string, ticket: Pick<Ticket, 'id' | 'customer_id'>, address: string): Promise<boolean> {
  const lower = address.toLowerCase();
  const customer = ticket.customer_id
    ? await db.selectFrom('customers').select('email').where('org_id', '=', orgId).where('id', '=', ticket.customer_id).executeTakeFirst()
    : undefined;
  if (customer?.email === lower) return true;
  const wrote = await db
    .selectFrom('conversation_messages')
    .select('id')
    .where('org_id', '=', orgId)
    .where('ticket_id', '=', ticket.id)
    .where('direction', '=', 'inbound')
    .where(sql<boolean>`lower(from_address) = ${lower}`)
    .executeTakeFirst();
  if (wrote) return true;
  const answered = await db
    .selectFrom('ticket_replies')
    .select('id')
    .where('org_id', '=', orgId)
    .where('ticket_id', '=', ticket.id)
    .where(sql<boolean>`lower(recipient) = ${lower}`)
    .executeTakeFirst();
  return answered !== undefined;
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
  direction: 'inbound' | 'outbound' | 'note';
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

/** The open (or pending) ticket of a channel conversation: its own, or the one its newest ticket was merged into. */
export async function findOpenThreadTicket(db: DbOrTrx, orgId: string, channel: string, threadKey: string): Promise<Ticket | undefined> {
  const thread = db.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('channel', '=', channel).where('thread_key', '=', threadKey);
  const open = await thread.where('status', 'in', ['open', 'pending']).orderBy('number', 'desc').executeTakeFirst();
  if (open) return open;
  const merged = await followMerges(db, orgId, await thread.where('merged_into', 'is not', null).orderBy('number', 'desc').executeTakeFirst());
  return merged && (merged.status === 'open' || merged.status === 'pending') ? merged : undefined;
}

/** The organization's ticket an inbound email was already threaded into (a retried activity threads once). */
export async function findTicketOfInbound(db: DbOrTrx, orgId: string, inboundId: string): Promise<Ticket | undefined> {
  return db
    .selectFrom('conversation_messages')
    .innerJoin('tickets', 'tickets.id', 'conversation_messages.ticket_id')
    .selectAll('tickets')
    .where('conversation_messages.inbound_id', '=', inboundId)
    .where('conversation_messages.org_id', '=', orgId)
    .executeTakeFirst();
}

export async function findTicket(db: DbOrTrx, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Ticket | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export interface InboxFilter {
  status?: TicketStatus | 'active';
  /** A user id, or null for unassigned tickets. */
  assignee?: string | null;
  tag?: string;
  /** Tickets with a message on this channel (the conversation may have moved between channels). */
  channel?: string;
  customerId?: string;
  /** Left out of the list (the ticket the customer panel is shown beside). */
  exceptTicketId?: string;
  /** Words to find in the customer's name, email or phone, the subject, or the conversation. */
  search?: string;
  limit: number;
  /** Exclusive keyset position (updated_at, id): tickets with older activity than this one. */
  after?: { at: Date; id: string };
}

/** Search words as a prefix query ("print" finds "printer"); only letters and digits reach to_tsquery. */
function prefixQuery(search: string): string | undefined {
  const words = search.match(/[\p{L}\p{N}]+/gu)?.slice(0, 8) ?? [];
  return words.length > 0 ? words.map((word) => `${word.toLowerCase()}:*`).join(' & ') : undefined;
}

const likePattern = (value: string) => `%${value.replace(/[\\%_]/g, '\\$&')}%`;

/**
 * The inbox: an organization's tickets (merged ones left out), newest activity first, with
 * the customer and the last message's first words; one keyset page at a time.
 */
/** The filters the inbox applies across its views: a tag, a channel, words to find. */
export type TicketMatch = Pick<InboxFilter, 'tag' | 'channel' | 'search'>;

/** Narrows a query over tickets (joined with their customers) to the tickets `match` finds. */
function whereTicketMatches<O>(
  query: SelectQueryBuilder<Database, 'tickets' | 'customers', O>,
  orgId: string,
  match: TicketMatch,
): SelectQueryBuilder<Database, 'tickets' | 'customers', O> {
  let narrowed = query;
  if (match.tag) narrowed = narrowed.where(sql<boolean>`tickets.tags @> array[${match.tag}]::text[]`);
  if (match.channel) {
    const channel = match.channel;
    narrowed = narrowed.where((eb) =>
      eb.or([
        eb('tickets.channel', '=', channel),
        sql<boolean>`exists (select 1 from conversation_messages m where m.org_id = ${orgId} and m.ticket_id = tickets.id and m.channel = ${channel})`,
      ]),
    );
  }
  const search = match.search?.trim();
  if (search) {
    const words = prefixQuery(search);
    const like = likePattern(search);
    narrowed = narrowed.where((eb) =>
      eb.or([
        eb('tickets.subject', 'ilike', like),
        eb('customers.name', 'ilike', like),
        eb('customers.email', 'ilike', like),
        eb('customers.phone', 'ilike', like),
        ...(words
          ? [
              sql<boolean>`exists (select 1 from conversation_messages m where m.org_id = ${orgId} and m.ticket_id = tickets.id
                and to_tsvector('simple', coalesce(m.subject, '') || ' ' || coalesce(m.body_text, '')) @@ to_tsquery('simple', ${words}))`,
            ]
          : []),
      ]),
    );
  }
  return narrowed;
}

export async function listInboxTickets(db: DbOrTrx, orgId: string, filter: InboxFilter) {
  let query = db
    .selectFrom('tickets')
    .leftJoin('customers', 'customers.id', 'tickets.customer_id')
    .selectAll('tickets')
    .select(['customers.name as customer_name', 'customers.email as customer_email', 'customers.phone as customer_phone'])
    .select(
      sql<string | null>`(select left(body_text, 200) from conversation_messages m
        where m.ticket_id = tickets.id and m.direction <> 'note' order by m.created_at desc limit 1)`.as('preview'),
    )
    .where('tickets.org_id', '=', orgId)
    .where('tickets.merged_into', 'is', null);
  if (filter.status === 'active') query = query.where('tickets.status', 'in', ['open', 'pending']);
  else if (filter.status) query = query.where('tickets.status', '=', filter.status);
  if (filter.assignee === null) query = query.where('tickets.assignee', 'is', null);
  else if (filter.assignee !== undefined) query = query.where('tickets.assignee', '=', filter.assignee);
  query = whereTicketMatches(query, orgId, filter);
  if (filter.customerId) query = query.where('tickets.customer_id', '=', filter.customerId);
  if (filter.exceptTicketId) query = query.where('tickets.id', '!=', filter.exceptTicketId);
  if (filter.after) query = query.where(sql<boolean>`(tickets.updated_at, tickets.id) < (${filter.after.at}, ${filter.after.id}::uuid)`);
  return query.orderBy('tickets.updated_at', 'desc').orderBy('tickets.id', 'desc').limit(filter.limit).execute();
}

/** The tags the organization's tickets carry, alphabetically: what the inbox filters by. */
export async function listTicketTags(db: DbOrTrx, orgId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('tickets')
    .select(sql<string>`unnest(tags)`.as('tag'))
    .distinct()
    .where('org_id', '=', orgId)
    .where('merged_into', 'is', null)
    .orderBy('tag')
    .limit(500)
    .execute();
  return rows.map((row) => row.tag);
}

/** How many tickets each inbox view holds for this person. */
export async function countInboxViews(db: DbOrTrx, orgId: string, userId: string | null, match: TicketMatch = {}) {
  const query = db
    .selectFrom('tickets')
    .leftJoin('customers', 'customers.id', 'tickets.customer_id')
    .select([
      sql<string>`count(*) filter (where tickets.assignee = ${userId ?? ''} and tickets.status in ('open','pending'))`.as('mine'),
      sql<string>`count(*) filter (where tickets.assignee is null and tickets.status in ('open','pending'))`.as('unassigned'),
      sql<string>`count(*) filter (where tickets.status = 'open')`.as('open'),
      sql<string>`count(*) filter (where tickets.status = 'pending')`.as('pending'),
      sql<string>`count(*)`.as('all'),
    ])
    .where('tickets.org_id', '=', orgId)
    .where('tickets.merged_into', 'is', null);
  const counts = await whereTicketMatches(query, orgId, match).executeTakeFirstOrThrow();
  return Object.fromEntries(Object.entries(counts).map(([view, count]) => [view, Number(count)])) as Record<keyof typeof counts, number>;
}

export async function findConversationMessage(db: DbOrTrx, orgId: string, id: string): Promise<ConversationMessage | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('conversation_messages').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** A ticket's conversation in the order it happened. */
export async function listConversation(db: DbOrTrx, orgId: string, ticketId: string) {
  return db
    .selectFrom('conversation_messages')
    .select(['id', 'direction', 'channel', 'from_address', 'subject', 'body_text', 'author_user_id', 'inbound_id', 'created_at'])
    .where('org_id', '=', orgId)
    .where('ticket_id', '=', ticketId)
    .orderBy('created_at')
    .execute();
}

export interface TicketChange {
  subject?: string;
  status?: TicketStatus;
  priority?: TicketPriority;
  assignee?: string | null;
  tags?: string[];
  mergedInto?: string;
}

export async function updateTicket(db: DbOrTrx, id: string, { mergedInto, ...change }: TicketChange): Promise<Ticket> {
  return db
    .updateTable('tickets')
    .set({ ...change, ...(mergedInto ? { merged_into: mergedInto } : {}), updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Moves a ticket's whole conversation (and its replies) into another ticket of the organization; returns how many messages moved. */
export async function moveConversation(db: DbOrTrx, orgId: string, fromTicketId: string, toTicketId: string): Promise<number> {
  const moved = await db
    .updateTable('conversation_messages')
    .set({ ticket_id: toTicketId })
    .where('org_id', '=', orgId)
    .where('ticket_id', '=', fromTicketId)
    .executeTakeFirst();
  await db.updateTable('ticket_replies').set({ ticket_id: toTicketId }).where('org_id', '=', orgId).where('ticket_id', '=', fromTicketId).execute();
  return Number(moved.numUpdatedRows);
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

// Privacy requests (commerce/gdpr.ts orchestrates; docs/security.md).

/** Helpdesk customers with one of these emails or phones. */
export async function findCustomersByContact(db: DbOrTrx, orgId: string, contact: { emails: string[]; phones: string[] }): Promise<Customer[]> {
  if (contact.emails.length === 0 && contact.phones.length === 0) return [];
  return db
    .selectFrom('customers')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        ...(contact.emails.length ? [eb(sql<string>`lower(email)`, 'in', contact.emails)] : []),
        ...(contact.phones.length ? [eb('phone', 'in', contact.phones)] : []),
      ]),
    )
    .execute();
}

/** The subject of a privacy request: these customers, their contact details, their tickets and the inbound mail in them. */
export async function describeDataSubject(
  db: DbOrTrx,
  orgId: string,
  customers: Customer[],
  contact: { emails: string[]; phones: string[] },
): Promise<DataSubject> {
  const customerIds = customers.map((customer) => customer.id);
  const emails = new Set(contact.emails.map((email) => email.toLowerCase()));
  const phones = new Set(contact.phones);
  for (const customer of customers) {
    if (customer.email) emails.add(customer.email.toLowerCase());
    if (customer.phone) phones.add(customer.phone);
  }
  const tickets = customerIds.length
    ? await db.selectFrom('tickets').select('id').where('org_id', '=', orgId).where('customer_id', 'in', customerIds).execute()
    : [];
  const ticketIds = tickets.map((ticket) => ticket.id);
  const inbound = ticketIds.length
    ? await db
        .selectFrom('conversation_messages')
        .select('inbound_id')
        .distinct()
        .where('org_id', '=', orgId)
        .where('ticket_id', 'in', ticketIds)
        .where('inbound_id', 'is not', null)
        .execute()
    : [];
  return {
    orgId,
    customerIds,
    emails: [...emails],
    phones: [...phones],
    ticketIds,
    inboundIds: inbound.map((row) => row.inbound_id!),
  };
}

/** The helpdesk's records of the subject: customers, tickets and conversations. */
export async function exportHelpdeskData(db: DbOrTrx, subject: DataSubject) {
  const { orgId, customerIds, ticketIds } = subject;
  return {
    customers: customerIds.length ? await db.selectFrom('customers').selectAll().where('org_id', '=', orgId).where('id', 'in', customerIds).execute() : [],
    tickets: ticketIds.length ? await db.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('id', 'in', ticketIds).execute() : [],
    messages: ticketIds.length
      ? await db.selectFrom('conversation_messages').selectAll().where('org_id', '=', orgId).where('ticket_id', 'in', ticketIds).execute()
      : [],
  };
}

/**
 * Erases the subject from the helpdesk: customers keep their row (tickets point at it)
 * without email, name or phone; tickets and messages keep status and dates without text,
 * subject or addresses; the links from channel identities to them are removed.
 */
export async function redactHelpdeskData(db: DbOrTrx, subject: DataSubject): Promise<void> {
  const { orgId, customerIds, ticketIds, phones } = subject;
  if (ticketIds.length) {
    await db
      .updateTable('conversation_messages')
      .set({ body_text: REDACTED, body_html: null, from_address: null, subject: null, message_id: null })
      .where('org_id', '=', orgId)
      .where('ticket_id', 'in', ticketIds)
      .execute();
    // A channel ticket's thread key is the phone number (SMS) or call it holds.
    await db
      .updateTable('tickets')
      .set({ subject: REDACTED, thread_key: sql`case when thread_key is null then null else 'redacted:' || id end` })
      .where('org_id', '=', orgId)
      .where('id', 'in', ticketIds)
      .execute();
  }
  // Identities are E.164 numbers (SMS, Dialpad) or the same digits without "+" (WhatsApp's wa_id).
  const identities = phones.flatMap((phone) => [phone, phone.replace(/^\+/, '')]);
  if (customerIds.length || identities.length) {
    await db
      .deleteFrom('channel_identities')
      .where('org_id', '=', orgId)
      .where((eb) =>
        eb.or([...(customerIds.length ? [eb('customer_id', 'in', customerIds)] : []), ...(identities.length ? [eb('identity', 'in', identities)] : [])]),
      )
      .execute();
  }
  if (customerIds.length) {
    await db
      .updateTable('customers')
      .set({ email: null, name: null, phone: null, updated_at: sql`now()` })
      .where('org_id', '=', orgId)
      .where('id', 'in', customerIds)
      .execute();
  }
}
