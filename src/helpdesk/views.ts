import type { DbOrTrx } from '../db/database.js';
import type { ReplyStatus, Ticket, TicketReply } from '../db/tables/helpdesk.js';
import { listEmailStatuses } from '../emails/index.js';
import { listTicketReplies } from './reply-repository.js';
import { findCustomer, listConversation } from './repository.js';

/** A reply's progress as the API and the conversation show it. */
export interface ReplyView {
  id: string;
  ticket_id: string;
  channel: string;
  status: ReplyStatus;
  sender: string;
  recipient: string;
  provider_message_id: string | null;
  failure_reason: string | null;
  /** While still queued: the error the last attempt met (Relay keeps trying). */
  last_error: string | null;
  created_at: string;
}

type EmailState = { status: string; sesMessageId: string | null; failureReason: string | null };

/**
 * An email reply goes as far as its email: SES's delivery events move it to delivered, a
 * bounce or a suppression to failed.
 */
function statusOf(reply: TicketReply, email: EmailState | undefined): { status: ReplyStatus; reason: string | null } {
  if (reply.status === 'failed' || !email) return { status: reply.status, reason: reply.failure_reason };
  switch (email.status) {
    case 'delivered':
    case 'complained':
      return { status: 'delivered', reason: null };
    case 'bounced':
      return { status: 'failed', reason: email.failureReason ?? 'the email bounced' };
    case 'failed':
      return { status: 'failed', reason: email.failureReason ?? 'the email failed' };
    case 'suppressed':
      return { status: 'failed', reason: "the customer's address is on the suppression list" };
    case 'sent':
      return { status: 'sent', reason: null };
    default:
      return { status: reply.status, reason: reply.failure_reason };
  }
}

export async function replyViews(db: DbOrTrx, orgId: string, replies: TicketReply[]): Promise<Map<string, ReplyView>> {
  const emails = await listEmailStatuses(
    db,
    orgId,
    replies.flatMap((reply) => (reply.email_id ? [reply.email_id] : [])),
  );
  return new Map(
    replies.map((reply) => {
      const email = reply.email_id ? emails.get(reply.email_id) : undefined;
      const { status, reason } = statusOf(reply, email);
      return [
        reply.id,
        {
          id: reply.id,
          ticket_id: reply.ticket_id,
          channel: reply.channel,
          status,
          sender: reply.sender,
          recipient: reply.recipient,
          provider_message_id: reply.provider_message_id ?? email?.sesMessageId ?? null,
          failure_reason: status === 'failed' ? reason : null,
          last_error: status === 'queued' ? reply.last_error : null,
          created_at: reply.created_at.toISOString(),
        },
      ];
    }),
  );
}

export async function replyView(db: DbOrTrx, orgId: string, reply: TicketReply): Promise<ReplyView> {
  return (await replyViews(db, orgId, [reply])).get(reply.id)!;
}

/** A ticket as the REST API shows it: its fields, the customer, and the conversation with each reply's progress. */
export async function ticketView(db: DbOrTrx, orgId: string, ticket: Ticket) {
  const customer = ticket.customer_id ? await findCustomer(db, orgId, ticket.customer_id) : undefined;
  const messages = await listConversation(db, orgId, ticket.id);
  const replies = await replyViews(db, orgId, await listTicketReplies(db, orgId, ticket.id));
  return {
    id: ticket.id,
    number: ticket.number,
    subject: ticket.subject,
    status: ticket.status,
    priority: ticket.priority,
    assignee: ticket.assignee,
    channel: ticket.channel,
    tags: ticket.tags,
    merged_into: ticket.merged_into,
    customer: customer ? { id: customer.id, email: customer.email } : null,
    created_at: ticket.created_at.toISOString(),
    updated_at: ticket.updated_at.toISOString(),
    conversation: messages.map((message) => ({
      id: message.id,
      direction: message.direction,
      channel: message.channel,
      from_address: message.from_address,
      subject: message.subject,
      body_text: message.body_text,
      author_user_id: message.author_user_id,
      created_at: message.created_at.toISOString(),
      reply: replies.get(message.id) ?? null,
    })),
  };
}
