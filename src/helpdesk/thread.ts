import type { DbOrTrx } from '../db/database.js';
import type { ConversationMessage, Customer, Ticket } from '../db/tables/helpdesk.js';
import { recordWebhookEvents } from '../webhooks/index.js';
import { conversationData, customerData, ticketData } from './events.js';
import {
  addConversationMessage,
  createTicket,
  findOrCreateCustomerByEmail,
  findOrCreateCustomerByIdentity,
  type NewConversationMessage,
} from './repository.js';

/** Who wrote: an email address, or an identity on a messaging channel (phone number, wa_id, PSID, Slack user). */
export type CustomerRef =
  { by: 'email'; email: string; name: string | null } | { by: 'identity'; channelType: string; identity: string; name: string | null; phone: string | null };

export interface ThreadRequest {
  orgId: string;
  customer: CustomerRef;
  /** The ticket this message continues, when the caller found one; otherwise a new ticket is opened. */
  ticket: Ticket | undefined;
  newTicket: { subject: string; channel: string; threadKey?: string };
  message: Omit<NewConversationMessage, 'orgId' | 'ticketId'>;
  /** What the webhook events were raised by (an inbound email, a channel message, a call). */
  sourceId: string;
}

export interface Threaded {
  customer: Customer;
  ticket: Ticket;
  ticketCreated: boolean;
  conversation: ConversationMessage;
  /** customer.created, ticket.created and conversation.created as they apply, stored with the change. */
  eventIds: string[];
}

/**
 * The one way a received message enters the helpdesk: the customer (found or created),
 * the ticket (continued or opened), the conversation message, and the webhook events of
 * all that, in the caller's transaction so they commit together.
 */
export async function threadMessage(trx: DbOrTrx, request: ThreadRequest): Promise<Threaded> {
  const { orgId } = request;
  const found =
    request.customer.by === 'email'
      ? await findOrCreateCustomerByEmail(trx, orgId, request.customer.email, request.customer.name)
      : await findOrCreateCustomerByIdentity(trx, { orgId, ...request.customer });
  const customer = found.customer;
  const ticketCreated = request.ticket === undefined;
  const ticket = request.ticket ?? (await createTicket(trx, { orgId, customerId: customer.id, ...request.newTicket }));
  const conversation = await addConversationMessage(trx, { ...request.message, orgId, ticketId: ticket.id });
  const eventIds = await recordWebhookEvents(
    trx,
    orgId,
    [
      ...(found.created ? [{ type: 'customer.created', data: customerData(customer) }] : []),
      ...(ticketCreated ? [{ type: 'ticket.created', data: ticketData(ticket, customer) }] : []),
      { type: 'conversation.created', data: conversationData(conversation, ticket) },
    ],
    request.sourceId,
  );
  return { customer, ticket, ticketCreated, conversation, eventIds };
}
