import type { ColumnType, Generated, Selectable } from 'kysely';

export const CHANNEL_TYPES = ['twilio', 'whatsapp', 'messenger', 'dialpad', 'slack'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export interface ChannelsTable {
  id: string;
  org_id: string;
  type: ChannelType;
  address: string;
  secret_sealed: Buffer;
  verify_token_sealed: Buffer | null;
  /** SHA-256 of the verify token: Meta's handshake finds its channel by it. Null for channels connected before it was kept. */
  verify_token_hash: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  auto_reply: string | null;
  /** Sending credentials, sealed JSON (ChannelCredentials); null until the organization adds them. */
  credentials_sealed: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  created_at: Generated<Date>;
}
export type Channel = Selectable<ChannelsTable>;

export interface ChannelMessagesTable {
  id: string;
  org_id: string;
  channel_id: string;
  type: ChannelType;
  external_id: string;
  /** text, image, document, audio, video, location, contacts, interactive, postback, read, delivery, sms, slack_message, call_event */
  kind: string;
  sender: string;
  sender_name: string | null;
  thread_key: string;
  body: string | null;
  /** Emptied ('{}') when a GDPR redaction erases the sender's data. */
  payload: ColumnType<Record<string, unknown>, string, string>;
  ticket_id: string | null;
  received_at: Generated<Date>;
  /** When retention emptied its raw payload; null while it is kept. */
  content_purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface ChannelIdentitiesTable {
  org_id: string;
  channel_type: string;
  identity: string;
  customer_id: string;
}

export interface DialpadCallsTable {
  /** Calls are keyed within the channel that received them: call ids are not secrets. */
  channel_id: string;
  call_id: string;
  org_id: string;
  states: string[];
  caller: string | null;
  voicemail_url: string | null;
  transcription: string | null;
  ticket_id: string | null;
  /** Set when the call's workflow recorded it; the row exists from the call's first event. */
  finished_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  updated_at: Generated<Date>;
}
