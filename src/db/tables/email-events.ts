import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export const EMAIL_EVENT_TYPES = ['queued', 'sent', 'failed', 'replayed'] as const;
export type EmailEventType = (typeof EMAIL_EVENT_TYPES)[number];

export interface EmailEventsTable {
  id: Generated<string>;
  org_id: string;
  email_id: string;
  type: EmailEventType;
  /** The recipient the event is about; null when it concerns the whole message. */
  recipient: string | null;
  detail: ColumnType<Record<string, unknown>, string, string>;
  occurred_at: Generated<Date>;
}

export type EmailEvent = Selectable<EmailEventsTable>;
export type NewEmailEvent = Insertable<EmailEventsTable>;
