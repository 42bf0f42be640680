import { sql, type Kysely } from 'kysely';

// API keys are managed from the dashboard, REST and the CLI: who made each one, when it
// was last used (recorded at most once a minute), and the key a rotation replaced it with.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('created_by', 'text')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('replaced_by', 'text', (col) => col.references('api_keys.id').onDelete('set null'))
    .execute();
  // The key list pages newest first by (created_at, id); millisecond precision lets the
  // cursor round-trip through a JS Date exactly.
  await sql`alter table api_keys alter column created_at type timestamptz(3)`.execute(db);
  await db.schema.dropIndex('api_keys_org_idx').execute();
  await db.schema.createIndex('api_keys_org_created_idx').on('api_keys').columns(['org_id', 'created_at desc', 'id desc']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('api_keys_org_created_idx').execute();
  await db.schema.createIndex('api_keys_org_idx').on('api_keys').column('org_id').execute();
  await sql`alter table api_keys alter column created_at type timestamptz`.execute(db);
  await db.schema.alterTable('api_keys').dropColumn('replaced_by').dropColumn('last_used_at').dropColumn('created_by').execute();
}
