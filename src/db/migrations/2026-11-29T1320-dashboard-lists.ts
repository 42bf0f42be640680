import { sql, type Kysely } from 'kysely';

// The dashboard's lists page newest first by (time, key): channels and partner connections
// get millisecond timestamps so a cursor round-trips through a JS Date exactly, and the
// suppression list and the inbound archive get the indexes their pages read.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table channels alter column created_at type timestamptz(3)`.execute(db);
  await sql`alter table crm_connections alter column created_at type timestamptz(3)`.execute(db);
  await db.schema.createIndex('channels_org_created_idx').on('channels').columns(['org_id', 'created_at desc', 'id desc']).execute();
  await db.schema.createIndex('suppressions_org_created_idx').on('suppressions').columns(['org_id', 'created_at desc', 'address desc']).execute();
  await db.schema
    .createIndex('inbound_messages_archived_idx')
    .on('inbound_messages')
    .columns(['org_id', 'received_at desc', 'id desc'])
    .where(sql.ref('status'), '=', 'archived')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('inbound_messages_archived_idx').execute();
  await db.schema.dropIndex('suppressions_org_created_idx').execute();
  await db.schema.dropIndex('channels_org_created_idx').execute();
  await sql`alter table crm_connections alter column created_at type timestamptz`.execute(db);
  await sql`alter table channels alter column created_at type timestamptz`.execute(db);
}
