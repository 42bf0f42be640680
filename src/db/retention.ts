import { sql, type RawBuilder } from 'kysely';

/**
 * The moment before which an organization's content has expired: its own retention period
 * (`organizations.retention_days`, joined as `o`), else the deployment's default. Each
 * capability's retention repository purges its own tables against it, in bounded batches.
 */
export function retentionCutoff(defaultDays: number): RawBuilder<Date> {
  return sql<Date>`now() - make_interval(days => coalesce(o.retention_days, ${defaultDays}::integer))`;
}

/** What one purge pass is given: the default period and the most rows it may touch per table. */
export interface RetentionBatch {
  defaultDays: number;
  limit: number;
}
