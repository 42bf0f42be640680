import type { Kysely } from 'kysely';

// SES bills per recipient: a day's report carries its recipients beside its messages. Null
// for days reported before it was counted.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_reports').addColumn('recipients', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('usage_reports').dropColumn('recipients').execute();
}
