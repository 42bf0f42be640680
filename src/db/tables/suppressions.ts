import type { ColumnType, Generated, Selectable } from 'kysely';

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
