import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { ReplyAttachment, ReplyChannel, ReplyStatus, TicketReply } from '../db/tables/helpdesk.js';
import { isUuid } from '../db/uuid.js';

/** What a customer last sent on a ticket (optionally on one channel): where a reply goes by default. */
export async function findLastCustomerMessage(db: DbOrTrx, orgId: string, ticketId: string, channel?: string) {
  let query = db
    .selectFrom('conversation_messages')
    .select(['id', 'channel', 'channel_id', 'from_address', 'message_id', 'inbound_id', 'subject', 'created_at'])
    .where('org_id', '=', orgId)
    .where('ticket_id', '=', ticketId)
    .where('direction', '=', 'inbound');
  if (channel) query = query.where('channel', '=', channel);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
}

/** When this identity last wrote to the organization on this channel (any ticket): the customer-service window opens then. */
export async function findLastMessageTimeFrom(db: DbOrTrx, orgId: string, channel: string, identity: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('conversation_messages')
    .select('created_at')
    .where('org_id', '=', orgId)
    .where('channel', '=', channel)
    .where('from_address', '=', identity)
    .where('direction', '=', 'inbound')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row?.created_at;
}

/** How many of a thread's Message-IDs a reply names in References (the newest). */
const MAX_REFERENCES = 20;

/** The Message-IDs of the ticket's email conversation, oldest first: a reply's References. */
export async function listThreadMessageIds(db: DbOrTrx, orgId: string, ticketId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('conversation_messages')
    .select('message_id')
    .where('org_id', '=', orgId)
    .where('ticket_id', '=', ticketId)
    .where('channel', '=', 'email')
    .where('message_id', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(MAX_REFERENCES)
    .execute();
  return rows.map((row) => row.message_id!).reverse();
}

export interface NewReply {
  id: string;
  orgId: string;
  ticketId: string;
  channel: ReplyChannel;
  channelId: string | null;
  sender: string;
  recipient: string;
  inReplyTo: string | null;
  attachments: ReplyAttachment[];
  idempotencyKey: string | null;
  requestHash: string | null;
}

export async function insertReply(db: DbOrTrx, reply: NewReply): Promise<TicketReply> {
  return db
    .insertInto('ticket_replies')
    .values({
      id: reply.id,
      org_id: reply.orgId,
      ticket_id: reply.ticketId,
      channel: reply.channel,
      channel_id: reply.channelId,
      sender: reply.sender,
      recipient: reply.recipient,
      in_reply_to: reply.inReplyTo,
      attachments: JSON.stringify(reply.attachments),
      failure_reason: null,
      idempotency_key: reply.idempotencyKey,
      request_hash: reply.requestHash,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findReply(db: DbOrTrx, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<TicketReply | undefined> {
  if (!isUuid(id)) return undefined;
  const query = db.selectFrom('ticket_replies').selectAll().where('org_id', '=', orgId).where('id', '=', id);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function findReplyByIdempotencyKey(db: DbOrTrx, orgId: string, key: string): Promise<TicketReply | undefined> {
  return db.selectFrom('ticket_replies').selectAll().where('org_id', '=', orgId).where('idempotency_key', '=', key).executeTakeFirst();
}

/** The replies of a ticket, by id (the conversation shows each one's status). */
export async function listTicketReplies(db: DbOrTrx, orgId: string, ticketId: string): Promise<TicketReply[]> {
  return db.selectFrom('ticket_replies').selectAll().where('org_id', '=', orgId).where('ticket_id', '=', ticketId).execute();
}

export async function setReplyEmail(db: DbOrTrx, orgId: string, id: string, emailId: string): Promise<void> {
  await db
    .updateTable('ticket_replies')
    .set({ email_id: emailId, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/** Marks a provider call as under way; false when the reply is no longer queued or a call is already marked. */
export async function markReplySending(db: DbOrTrx, orgId: string, id: string): Promise<boolean> {
  const result = await db
    .updateTable('ticket_replies')
    .set({ sending_since: sql`now()`, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .where('sending_since', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A provider call that ended without sending: the next attempt may try again; the error is shown meanwhile. */
export async function clearReplySending(db: DbOrTrx, orgId: string, id: string, lastError: string): Promise<void> {
  await db
    .updateTable('ticket_replies')
    .set({ sending_since: null, last_error: lastError, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function markReplySent(db: DbOrTrx, orgId: string, id: string, providerMessageId: string): Promise<boolean> {
  const result = await db
    .updateTable('ticket_replies')
    .set({ status: 'sent', provider_message_id: providerMessageId, sending_since: null, last_error: null, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function markReplyFailed(db: DbOrTrx, orgId: string, id: string, reason: string): Promise<boolean> {
  const result = await db
    .updateTable('ticket_replies')
    .set({ status: 'failed', failure_reason: reason, sending_since: null, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Statuses a delivery report may move a reply from: reports come in any order and only move it forward. */
const REPORT_MOVES: Record<'sent' | 'delivered' | 'failed', ReplyStatus[]> = {
  sent: ['queued'],
  delivered: ['queued', 'sent'],
  failed: ['queued', 'sent'],
};

/** A provider's delivery report about a reply it sent (matched by the provider's message id). */
export async function applyReplyDeliveryReport(
  db: DbOrTrx,
  report: { orgId: string; channel: ReplyChannel; providerMessageId: string; status: 'sent' | 'delivered' | 'failed'; reason?: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('ticket_replies')
    .set({
      status: report.status,
      sending_since: null,
      ...(report.status === 'failed' ? { failure_reason: report.reason ?? 'the provider reported the message undelivered' } : {}),
      updated_at: sql`now()`,
    })
    .where('org_id', '=', report.orgId)
    .where('channel', '=', report.channel)
    .where('provider_message_id', '=', report.providerMessageId)
    .where('status', 'in', REPORT_MOVES[report.status])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
