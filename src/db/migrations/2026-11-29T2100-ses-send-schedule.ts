import type { Kysely } from 'kysely';

// The SES send rate as a generic cell rate algorithm on the database's clock: one row per
// SES queue, the time its next send is due. Every worker reserves its send slot here, so
// together they never pass the account's rate, not even when a backlog starts.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ses_send_schedules')
    .addColumn('queue', 'text', (col) => col.primaryKey())
    .addColumn('theoretical_arrival', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ses_send_schedules').execute();
}
