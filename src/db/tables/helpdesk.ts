import type { ColumnType, Generated, Selectable } from 'kysely';

export const TICKET_STATUSES = ['open', 'pending', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export interface CustomersTable {
  id: string;
  org_id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type Customer = Selectable<CustomersTable>;

export interface TicketCountersTable {
  org_id: string;
  last_number: number;
}

export interface TicketsTable {
  id: string;
  org_id: string;
  number: number;
  subject: string;
  status: Generated<TicketStatus>;
  priority: Generated<TicketPriority>;
  assignee: string | null;
  customer_id: string | null;
  channel: string;
  /** The conversation a channel ticket holds (phone number, wa_id, PSID, Slack thread); null for email. */
  thread_key: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type Ticket = Selectable<TicketsTable>;

export interface ConversationMessagesTable {
  id: string;
  org_id: string;
  ticket_id: string;
  direction: 'inbound' | 'outbound';
  channel: string;
  from_address: string | null;
  subject: string | null;
  body_text: string | null;
  body_html: string | null;
  message_id: string | null;
  inbound_id: string | null;
  created_at: Generated<Date>;
}
export type ConversationMessage = Selectable<ConversationMessagesTable>;
