import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export const EMAIL_STATUSES = ['queued', 'sent', 'delivered', 'bounced', 'complained', 'failed', 'suppressed'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/** A send's place on the shared SES queue: `high` before `normal` before `bulk`. */
export const SEND_PRIORITIES = ['high', 'normal', 'bulk'] as const;
export type SendPriority = (typeof SEND_PRIORITIES)[number];

export interface EmailAttachment {
  filename: string;
  /** base64 */
  content: string;
  content_type: string;
}

/** What the caller asked to send, kept whole so a replay sends exactly the same message. */
export interface EmailContent {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  reply_to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  attachments: EmailAttachment[];
}

type Json<T> = ColumnType<T, string, string>;

export interface EmailsTable {
  id: string;
  org_id: string;
  status: Generated<EmailStatus>;
  /** Every recipient address (to, cc, bcc), lower-cased, for the `to` filter. */
  recipients: string[];
  subject: string;
  content: Json<EmailContent>;
  tags: Json<Record<string, string>>;
  metadata: Json<Record<string, string>>;
  ses_message_id: string | null;
  failure_reason: string | null;
  priority: Generated<SendPriority>;
  /** When retention emptied the bodies, headers and attachments; null while they are kept. */
  content_purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type Email = Selectable<EmailsTable>;
export type NewEmail = Insertable<EmailsTable>;
export type EmailUpdate = Updateable<EmailsTable>;

/** When an organization's bounce-rate alert last went out: at most one per window. */
export interface BounceRateAlertsTable {
  org_id: string;
  alerted_at: Date;
  bounce_rate: number;
}

/** When the next SES send of a queue is due: every worker's send reserves its slot here. */
export interface SesSendSchedulesTable {
  queue: string;
  theoretical_arrival: Date;
}
