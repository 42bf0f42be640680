import { sql, type Kysely } from 'kysely';

// Provider ids (call ids, message ids) are not secrets: any tenant can send events naming
// another tenant's. Everything keyed by them is keyed within the channel that received it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('channel_messages').dropConstraint('channel_messages_type_external_key').execute();
  await db.schema.alterTable('channel_messages').addUniqueConstraint('channel_messages_channel_external_key', ['channel_id', 'external_id']).execute();

  await db.schema
    .alterTable('dialpad_calls')
    .addColumn('channel_id', 'uuid', (col) => col.references('channels.id').onDelete('cascade'))
    .execute();
  // Calls recorded before this change belong to their organization's Dialpad channel.
  await sql`update dialpad_calls c set channel_id = (select id from channels where channels.org_id = c.org_id and type = 'dialpad' order by created_at limit 1)`.execute(
    db,
  );
  await sql`delete from dialpad_calls where channel_id is null`.execute(db);
  await sql`alter table dialpad_calls alter column channel_id set not null`.execute(db);
  await sql`alter table dialpad_calls drop constraint dialpad_calls_pkey`.execute(db);
  await sql`alter table dialpad_calls add constraint dialpad_calls_pkey primary key (channel_id, call_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table dialpad_calls drop constraint dialpad_calls_pkey`.execute(db);
  await sql`delete from dialpad_calls a using dialpad_calls b where a.call_id = b.call_id and a.ctid < b.ctid`.execute(db);
  await sql`alter table dialpad_calls add constraint dialpad_calls_pkey primary key (call_id)`.execute(db);
  await db.schema.alterTable('dialpad_calls').dropColumn('channel_id').execute();
  await db.schema.alterTable('channel_messages').dropConstraint('channel_messages_channel_external_key').execute();
  await db.schema.alterTable('channel_messages').addUniqueConstraint('channel_messages_type_external_key', ['type', 'external_id']).execute();
}
