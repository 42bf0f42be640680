import { sql, type Kysely } from 'kysely';

// Per-organization limits (null: the deployment's default), and the counters that enforce
// them across every API process.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('organizations')
    .addColumn('daily_send_quota', 'integer', (col) => col.check(sql`daily_send_quota > 0`))
    .addColumn('api_requests_per_second', 'real', (col) => col.check(sql`api_requests_per_second > 0`))
    .execute();

  // Emails accepted per organization per UTC day, counted as they are accepted.
  await db.schema
    .createTable('daily_send_counts')
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('day', 'date', (col) => col.notNull())
    .addColumn('accepted', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('daily_send_counts_pk', ['org_id', 'day'])
    .execute();

  // The API request rate as a generic cell rate algorithm: one row per organization, the
  // time its next request would be exactly on schedule.
  await db.schema
    .createTable('api_request_schedules')
    .addColumn('org_id', 'uuid', (col) => col.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('theoretical_arrival', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_request_schedules').execute();
  await db.schema.dropTable('daily_send_counts').execute();
  await db.schema.alterTable('organizations').dropColumn('api_requests_per_second').dropColumn('daily_send_quota').execute();
}
