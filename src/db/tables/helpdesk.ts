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
  tags: ColumnType<string[], string[] | undefined, string[]>;
  /** The ticket this one was merged into (it is closed). */
  merged_into: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type Ticket = Selectable<TicketsTable>;

export interface ConversationMessagesTable {
  id: string;
  org_id: string;
  ticket_id: string;
  /** `note`: an agent's private note, never sent. */
  direction: 'inbound' | 'outbound' | 'note';
  channel: string;
  from_address: string | null;
  subject: string | null;
  body_text: string | null;
  body_html: string | null;
  message_id: string | null;
  inbound_id: string | null;
  /** The channel (connected number, page, Slack channel) it came in or went out on; null for email. */
  channel_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The agent who wrote it (replies, notes); null for what customers sent. */
  author_user_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
}
export type ConversationMessage = Selectable<ConversationMessagesTable>;

/** The channels a reply can go out on: the conversation's own names (`twilio` is SMS). */
export const REPLY_CHANNELS = ['email', 'twilio', 'whatsapp', 'messenger', 'slack'] as const;
export type ReplyChannel = (typeof REPLY_CHANNELS)[number];
/** Every channel a ticket can come in on: the reply channels, and Dialpad voicemail. */
export const TICKET_CHANNELS = [...REPLY_CHANNELS, 'dialpad'] as const;
export const REPLY_STATUSES = ['queued', 'sent', 'delivered', 'failed'] as const;
export type ReplyStatus = (typeof REPLY_STATUSES)[number];

export interface ReplyAttachment {
  filename: string;
  content_type: string;
  /** base64 */
  content: string;
}

export interface TicketRepliesTable {
  /** The conversation message's id. */
  id: string;
  org_id: string;
  ticket_id: string;
  channel: ReplyChannel;
  channel_id: string | null;
  /** Who it is sent as: the support address, our number, page, WhatsApp number or Slack channel. */
  sender: string;
  /** The customer's address, number, wa_id, PSID, or the Slack channel:thread. */
  recipient: string;
  /** The provider's id of the customer's message this answers (email Message-ID, WhatsApp wamid, Slack thread ts). */
  in_reply_to: string | null;
  attachments: ColumnType<ReplyAttachment[], string | undefined, string>;
  status: Generated<ReplyStatus>;
  failure_reason: string | null;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  provider_message_id: ColumnType<string | null, string | null | undefined, string | null>;
  email_id: ColumnType<string | null, string | null | undefined, string | null>;
  sending_since: ColumnType<Date | null, Date | null | undefined, Date | null>;
  idempotency_key: string | null;
  request_hash: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type TicketReply = Selectable<TicketRepliesTable>;

export interface SavedRepliesTable {
  id: string;
  org_id: string;
  name: string;
  body: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type SavedReply = Selectable<SavedRepliesTable>;
