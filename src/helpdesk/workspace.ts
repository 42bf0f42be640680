import { listOrgUsers } from '../auth/repository.js';
import { findVoicemailOfTicket, listIdentitiesOfCustomer } from '../channels/index.js';
import { findStripeSubscriptionOfEmail, listOrders } from '../commerce/index.js';
import type { DbOrTrx } from '../db/database.js';
import { REPLY_CHANNELS, type Ticket } from '../db/tables/helpdesk.js';
import { ApiError } from '../http/errors.js';
import { keysetPage, type KeysetPosition } from '../http/pagination.js';
import { listAttachmentsOfInbound } from '../inbound/index.js';
import { CHANNEL_LABELS, planDestination, replyWindowClosesAt } from './replies.js';
import { listTicketReplies } from './reply-repository.js';
import { findCustomer, listConversation, listInboxTickets, type InboxFilter } from './repository.js';
import { replyViews } from './views.js';

/**
 * What the dashboard's helpdesk pages show: the inbox, one ticket's whole conversation
 * across channels, and the customer beside it. Reads only.
 */

export const INBOX_VIEWS = ['mine', 'unassigned', 'open', 'pending', 'all'] as const;
export type InboxView = (typeof INBOX_VIEWS)[number];

/** Which tickets a view holds: mine and unassigned are the ones still to answer (open or pending). */
export function viewFilter(view: InboxView, userId: string | null): Pick<InboxFilter, 'status' | 'assignee'> {
  switch (view) {
    case 'mine':
      return { status: 'active', assignee: userId ?? '' };
    case 'unassigned':
      return { status: 'active', assignee: null };
    case 'open':
    case 'pending':
      return { status: view };
    case 'all':
      return {};
  }
}

type UserNames = Map<string, { id: string; name: string | null; email: string | null }>;

async function userNames(db: DbOrTrx, orgId: string): Promise<UserNames> {
  return new Map((await listOrgUsers(db, orgId)).map((user) => [user.id, user]));
}

const person = (users: UserNames, id: string | null) => (id ? (users.get(id) ?? { id, name: null, email: null }) : null);

/** What the inbox and the ticket page both show of a ticket. */
const ticketHeadline = (ticket: Pick<Ticket, 'id' | 'number' | 'subject' | 'status' | 'priority' | 'channel' | 'tags' | 'assignee'>, users: UserNames) => ({
  id: ticket.id,
  number: ticket.number,
  subject: ticket.subject,
  status: ticket.status,
  priority: ticket.priority,
  channel: ticket.channel,
  tags: ticket.tags,
  assignee: person(users, ticket.assignee),
});

/** A page of a list newest activity first: its size, and the position of the previous page's last row. */
interface PageRequest {
  limit: number;
  cursor?: KeysetPosition | null;
}

const byActivity = (row: { updated_at: Date; id: string }) => ({ at: row.updated_at, id: row.id });

/** One page of tickets (the inbox, or a customer's other tickets) and the cursor of the next. */
export async function ticketPage(db: DbOrTrx, orgId: string, filter: Omit<InboxFilter, 'after' | 'limit'>, page: PageRequest) {
  const rows = await listInboxTickets(db, orgId, { ...filter, limit: page.limit + 1, after: page.cursor ?? undefined });
  const users = await userNames(db, orgId);
  const { items, nextCursor } = keysetPage(rows, page.limit, byActivity, (ticket) => ({
    ...ticketHeadline(ticket, users),
    customer: ticket.customer_id ? { id: ticket.customer_id, name: ticket.customer_name, email: ticket.customer_email, phone: ticket.customer_phone } : null,
    preview: ticket.preview,
    updatedAt: ticket.updated_at.toISOString(),
  }));
  return { tickets: items, nextCursor };
}

/**
 * The channels the reply box offers, each with whether it can be used now and why not;
 * WhatsApp and Messenger also say when their 24-hour customer-service window closes.
 */
async function replyOptions(db: DbOrTrx, orgId: string, ticket: Ticket, now: number) {
  const options = [];
  for (const channel of REPLY_CHANNELS) {
    const closesAt = channel === 'whatsapp' || channel === 'messenger' ? await replyWindowClosesAt(db, orgId, ticket, channel) : undefined;
    const option = { channel, label: CHANNEL_LABELS[channel]!, windowClosesAt: closesAt?.toISOString() ?? null };
    try {
      const destination = await planDestination(db, orgId, ticket, channel, now);
      options.push({ ...option, available: true, recipient: destination.recipient, reason: null });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      options.push({ ...option, available: false, recipient: null, reason: error.message });
    }
  }
  let preferred: string | null = null;
  try {
    preferred = (await planDestination(db, orgId, ticket, undefined, now)).channel;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  return { options, preferred };
}

/**
 * A ticket and its whole conversation across channels in one timeline: customers'
 * messages, agents' replies with their progress, private notes, attachments to download
 * and a voicemail's recording and transcription.
 */
export async function ticketDetail(db: DbOrTrx, orgId: string, ticket: Ticket, now: number) {
  const [customer, messages, replies, users, voicemail] = await Promise.all([
    ticket.customer_id ? findCustomer(db, orgId, ticket.customer_id) : undefined,
    listConversation(db, orgId, ticket.id),
    listTicketReplies(db, orgId, ticket.id),
    userNames(db, orgId),
    ticket.channel === 'dialpad' ? findVoicemailOfTicket(db, orgId, ticket.id) : undefined,
  ]);
  const replyStates = await replyViews(db, orgId, replies);
  const replyRows = new Map(replies.map((reply) => [reply.id, reply]));
  const inboundIds = messages.flatMap((message) => (message.inbound_id ? [message.inbound_id] : []));
  const attachments = await listAttachmentsOfInbound(db, orgId, inboundIds);
  const { options, preferred } = await replyOptions(db, orgId, ticket, now);
  return {
    ...ticketHeadline(ticket, users),
    mergedInto: ticket.merged_into,
    createdAt: ticket.created_at.toISOString(),
    updatedAt: ticket.updated_at.toISOString(),
    customer: customer ? { id: customer.id, name: customer.name, email: customer.email, phone: customer.phone } : null,
    timeline: messages.map((message) => {
      const reply = replyStates.get(message.id);
      const sentFiles = replyRows.get(message.id)?.attachments ?? [];
      return {
        id: message.id,
        kind: message.direction,
        channel: message.channel,
        channelLabel: CHANNEL_LABELS[message.channel] ?? message.channel,
        from: message.from_address,
        subject: message.subject,
        text: message.body_text,
        createdAt: message.created_at.toISOString(),
        author: person(users, message.author_user_id),
        reply: reply ? { status: reply.status, recipient: reply.recipient, failureReason: reply.failure_reason, lastError: reply.last_error } : null,
        attachments: [
          ...attachments
            .filter((file) => file.inbound_id === message.inbound_id)
            .map((file) => ({ name: file.filename, contentType: file.content_type, size: file.size, url: `/api/helpdesk/attachments/${file.id}` })),
          ...sentFiles.map((file, index) => ({
            name: file.filename,
            contentType: file.content_type,
            size: Math.floor((file.content.length * 3) / 4),
            url: `/api/helpdesk/replies/${message.id}/attachments/${index}`,
          })),
        ],
        // The recording is played through Relay (the page may load media from Relay only).
        voicemail:
          message.channel === 'dialpad' && voicemail
            ? { audioUrl: voicemail.voicemail_url ? `/api/helpdesk/tickets/${ticket.id}/voicemail` : null, transcription: voicemail.transcription }
            : null,
      };
    }),
    replyChannels: options,
    preferredChannel: preferred,
  };
}

/** The customer panel: contact details and where they have written from, and their Stripe subscription. */
export async function customerPanel(db: DbOrTrx, orgId: string, customerId: string) {
  const customer = await findCustomer(db, orgId, customerId);
  if (!customer) return undefined;
  const [identities, subscription] = await Promise.all([
    listIdentitiesOfCustomer(db, orgId, customer.id),
    customer.email ? findStripeSubscriptionOfEmail(db, orgId, customer.email) : undefined,
  ]);
  const plan = subscription?.subscription.items?.data?.[0]?.price;
  const periodEnd = subscription?.subscription.current_period_end ?? subscription?.subscription.items?.data?.[0]?.current_period_end;
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    phone: customer.phone,
    since: customer.created_at.toISOString(),
    identities: identities.map((identity) => ({ channel: CHANNEL_LABELS[identity.channel_type] ?? identity.channel_type, identity: identity.identity })),
    stripeSubscription: subscription
      ? {
          id: String(subscription.subscription.id ?? ''),
          status: subscription.topic === 'customer.subscription.deleted' ? 'canceled' : String(subscription.subscription.status ?? 'unknown'),
          plan: (plan?.nickname ?? plan?.lookup_key ?? plan?.id ?? null) as string | null,
          currentPeriodEnd: typeof periodEnd === 'number' ? new Date(periodEnd * 1000).toISOString() : null,
          cancelAtPeriodEnd: subscription.subscription.cancel_at_period_end === true,
        }
      : null,
  };
}

/** One page of the customer's orders (Shopify, Amazon), newest first. */
export async function customerOrders(db: DbOrTrx, orgId: string, customerId: string, page: PageRequest) {
  const rows = await listOrders(db, orgId, { customerId, limit: page.limit + 1, after: page.cursor ?? undefined });
  const { items, nextCursor } = keysetPage(rows, page.limit, byActivity, (order) => ({
    id: order.id,
    provider: order.provider,
    kind: order.kind,
    number: order.external_id,
    status: order.status,
    total: order.total,
    currency: order.currency,
    updatedAt: order.updated_at.toISOString(),
  }));
  return { orders: items, nextCursor };
}
