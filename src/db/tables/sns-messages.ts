import type { ColumnType, Generated, Selectable } from 'kysely';

/** Every verified SNS message Relay accepted, kept whole: SES events and subscription confirmations. */
export interface SnsMessagesTable {
  sns_message_id: string;
  topic_arn: string;
  /** The SES event type (Delivery, Bounce, ...) or the SNS message type for confirmations. */
  event_type: string;
  ses_message_id: string | null;
  /** The email an SES event was matched to; null until processed, and for events about mail Relay did not send. */
  org_id: string | null;
  email_id: string | null;
  /** Emptied ('{}') when a privacy redaction erases the recipient it names. */
  payload: ColumnType<Record<string, unknown>, string, string>;
  received_at: Generated<Date>;
  processed_at: Date | null;
  /** When retention emptied its payload; null while it is kept. */
  content_purged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
export type SnsMessageRow = Selectable<SnsMessagesTable>;
