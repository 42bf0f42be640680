import type { ConversationMessage, Customer, Ticket } from '../db/tables/helpdesk.js';

/**
 * The `data` of the outgoing webhook events. Tickets carry exactly the seed's fields
 * (plus the assignee); conversations and customers carry what a receiver needs to act.
 */
export function ticketData(ticket: Ticket, customer: Pick<Customer, 'id' | 'email'> | undefined): Record<string, unknown> {
  return {
    ticketId: ticket.id,
    ticketNumber: ticket.number,
    subject: ticket.subject,
    status: ticket.status,
    priority: ticket.priority,
    assignee: ticket.assignee,
    customerId: customer?.id ?? ticket.customer_id,
    customerEmail: customer?.email ?? null,
  };
}

export function conversationData(message: ConversationMessage, ticket: Ticket): Record<string, unknown> {
  return {
    conversationId: message.id,
    ticketId: ticket.id,
    ticketNumber: ticket.number,
    direction: message.direction,
    /** A private note: for the team, never sent to the customer. */
    private: message.direction === 'note',
    authorUserId: message.author_user_id,
    channel: message.channel,
    from: message.from_address,
    subject: message.subject,
    text: message.body_text,
    createdAt: message.created_at.toISOString(),
  };
}

export function customerData(customer: Customer): Record<string, unknown> {
  return { customerId: customer.id, email: customer.email, name: customer.name, phone: customer.phone };
}
