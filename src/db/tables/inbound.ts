import type { ColumnType, Generated, Selectable } from 'kysely';

/** Every inbound email, whatever the provider, normalized to this shape. */
export interface InboundMessage {
  from: { address: string; name: string | null };
  to: string[];
  cc: string[];
  /**
   * The envelope recipients the provider reports (Mailgun `recipient`, SendGrid `envelope`,
   * SES `receipt.recipients`, Postmark `OriginalRecipient`, Cloudmailin `envelope.to`): where
   * forwarded and BCC'd mail was really delivered. Absent on messages parsed before it was kept.
   */
  envelopeTo?: string[];
  subject: string;
  text: string | null;
  html: string | null;
  /** The reply without the quoted history, when the provider or Relay could tell. */
  strippedText: string | null;
  headers: { name: string; value: string }[];
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  date: string | null;
  /** Attachment metadata; contents are stored beside the message, never in workflow payloads. */
  attachments: { filename: string; contentType: string; size: number }[];
}

export const INBOUND_PROVIDERS = ['mailgun', 'sendgrid', 'postmark', 'cloudmailin', 'ses', 'resend'] as const;
export type InboundProvider = (typeof INBOUND_PROVIDERS)[number];

export const INBOUND_STATUSES = ['received', 'routed', 'threaded', 'archived', 'ignored'] as const;
export type InboundStatus = (typeof INBOUND_STATUSES)[number];

export const INBOUND_CLASSIFICATIONS = ['inbound', 'bounce', 'outbound_copy', 'auto_reply', 'dialpad_voicemail'] as const;
export type InboundClassification = (typeof INBOUND_CLASSIFICATIONS)[number];

export const ADDRESS_PROOFS = ['mail', 'link', 'dns', 'sending_domain', 'grandfathered'] as const;
export type AddressProof = (typeof ADDRESS_PROOFS)[number];

/** An organization's claim on a support address: pending until proven, then it routes mail. */
export interface InboundAddressesTable {
  id: Generated<string>;
  address: string;
  org_id: string;
  status: Generated<'pending' | 'active'>;
  confirmation_hash: Buffer | null;
  dns_token: string | null;
  verified_by: AddressProof | null;
  verified_at: Date | null;
  created_at: Generated<Date>;
}

export interface InboundMessagesTable {
  id: string;
  org_id: string | null;
  provider: InboundProvider;
  provider_message_id: string;
  /** SHA-256 of the message's content where the provider's id is the sender's own Message-ID; empty where the provider assigns ids. */
  content_hash: Generated<Buffer>;
  status: Generated<InboundStatus>;
  classification: InboundClassification | null;
  route: string | null;
  archive_reason: string | null;
  content_type: string;
  raw: Buffer;
  /** The normalized message, without attachment contents (those are rows of inbound_attachments). */
  parsed: ColumnType<InboundMessage | null, string | null, string | null>;
  received_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** When retention emptied the raw request, the bodies, headers and attachments; null while they are kept. */
  content_purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
export type InboundMessageRow = Selectable<InboundMessagesTable>;

/** The organizations an inbound message was delivered to: one message (provider, id, hash of the parsed message) once per organization. */
export interface InboundDeliveriesTable {
  inbound_id: string;
  org_id: string;
  provider: InboundProvider;
  provider_message_id: string;
  message_hash: Buffer;
  created_at: Generated<Date>;
}

export interface InboundAttachmentsTable {
  id: string;
  inbound_id: string;
  filename: string;
  content_type: string;
  size: number;
  content: Buffer;
}

export interface InboundRoutingAttemptsTable {
  id: Generated<string>;
  inbound_id: string;
  target: string;
  outcome: 'delivered' | 'failed' | 'archived' | 'replayed';
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  attempted_at: Generated<Date>;
}

export interface WebhookNoncesTable {
  provider: string;
  nonce: string;
  message_id: string;
  expires_at: Date;
}
