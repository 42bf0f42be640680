import type { ColumnType, Generated } from 'kysely';

/** One row per organization and UTC day reported to Books: a rerun skips what is here. */
export interface UsageReportsTable {
  org_id: string;
  /** The UTC day, `YYYY-MM-DD`. */
  usage_date: ColumnType<string, string, string>;
  emails_sent: number;
  /** Recipients of those emails (SES bills per recipient); null for days reported before it was counted. */
  recipients: number | null;
  reported_at: Generated<Date>;
}
