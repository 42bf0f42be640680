import type { ColumnType, Generated, Selectable } from 'kysely';

export interface SesNotificationsTable {
  sns_message_id: string;
  topic_arn: string;
  event_type: string;
  ses_message_id: string | null;
  org_id: string | null;
  email_id: string | null;
  payload: ColumnType<Record<string, unknown>, string, never>;
  received_at: Generated<Date>;
  processed_at: Date | null;
}
export type SesNotification = Selectable<SesNotificationsTable>;

export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface SuppressionsTable {
  org_id: string;
  address: string;
  reason: SuppressionReason;
  source_email_id: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Generated<Date>;
}
export type Suppression = Selectable<SuppressionsTable>;

export interface BounceRateAlertsTable {
  org_id: string;
  alerted_at: Date;
  bounce_rate: number;
}

export interface UsageReportsTable {
  org_id: string;
  /** The UTC day, `YYYY-MM-DD`. */
  usage_date: ColumnType<string, string, string>;
  emails_sent: number;
  reported_at: Generated<Date>;
}
