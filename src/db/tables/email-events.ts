import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export const EMAIL_EVENT_TYPES = [
  'queued',
  'sent',
  'failed',
  'replayed',
  'suppressed',
  'delivered',
  'bounced',
  'complained',
  'opened',
  'clicked',
  'delayed',
  'rejected',
  'rendering_failed',
  // An unauthenticated bounce report received as inbound mail: informational only.
  'bounce_reported',
] as const;
export type EmailEventType = (typeof EMAIL_EVENT_TYPES)[number];

export interface EmailEventsTable {
  id: Generated<string>;
  org_id: string;
  email_id: string;
  type: EmailEventType;
  /** The recipient the event is about; null when it concerns the whole message. */
  recipient: string | null;
  detail: ColumnType<Record<string, unknown>, string, string>;
  /** The SNS notification an SES event came in; null for Relay's own entries. */
  sns_message_id: ColumnType<string | null, string | null | undefined, never>;
  occurred_at: Generated<Date>;
}

export type EmailEvent = Selectable<EmailEventsTable>;
export type NewEmailEvent = Insertable<EmailEventsTable>;
