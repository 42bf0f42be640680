import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface OrganizationsTable {
  id: string;
  name: string;
  /** Emails accepted per UTC day; null: the deployment's default (ORG_DAILY_SEND_QUOTA). */
  daily_send_quota: ColumnType<number | null, number | null | undefined, number | null>;
  /** API requests per second (bursts of a second's worth); null: ORG_API_REQUESTS_PER_SECOND. */
  api_requests_per_second: ColumnType<number | null, number | null | undefined, number | null>;
  /** Days bodies, attachments, raw requests and delivery logs are kept; null: RETENTION_DAYS. */
  retention_days: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: Generated<Date>;
}

export interface DailySendCountsTable {
  org_id: string;
  /** The UTC day, YYYY-MM-DD. */
  day: ColumnType<string, string, never>;
  accepted: number;
}

export interface ApiRequestSchedulesTable {
  org_id: string;
  theoretical_arrival: Date;
}

export type Organization = Selectable<OrganizationsTable>;
export type NewOrganization = Insertable<OrganizationsTable>;
