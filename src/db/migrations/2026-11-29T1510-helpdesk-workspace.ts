import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Private notes live in the conversation, never sent.
  await db.schema.alterTable('conversation_messages').dropConstraint('conversation_messages_direction_check').execute();
  await db.schema
    .alterTable('conversation_messages')
    .addCheckConstraint('conversation_messages_direction_check', sql`direction in ('inbound','outbound','note')`)
    .execute();

  await db.schema
    .alterTable('tickets')
    .addColumn('tags', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    // A ticket merged into another is closed and points at it: its number and threads lead there.
    .addColumn('merged_into', 'uuid', (col) => col.references('tickets.id').onDelete('set null'))
    .execute();
  // The inbox pages through an organization's tickets newest activity first, by view.
  await db.schema.createIndex('tickets_inbox_idx').on('tickets').columns(['org_id', 'updated_at', 'id']).execute();
  await db.schema.createIndex('tickets_inbox_status_idx').on('tickets').columns(['org_id', 'status', 'updated_at', 'id']).execute();
  await db.schema.createIndex('tickets_inbox_assignee_idx').on('tickets').columns(['org_id', 'assignee', 'updated_at', 'id']).execute();
  await db.schema.createIndex('tickets_tags_idx').on('tickets').using('gin').column('tags').execute();
  // Searching the conversation's words (prefixes too) without scanning every message.
  await sql`create index conversation_messages_search_idx on conversation_messages
    using gin (to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(body_text, '')))`.execute(db);

  // Canned answers an organization's agents insert into a reply.
  await db.schema
    .createTable('saved_replies')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('body', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('saved_replies_org_name_key', ['org_id', 'name'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('saved_replies').execute();
  await sql`drop index conversation_messages_search_idx`.execute(db);
  for (const index of ['tickets_tags_idx', 'tickets_inbox_assignee_idx', 'tickets_inbox_status_idx', 'tickets_inbox_idx'])
    await db.schema.dropIndex(index).execute();
  await db.schema.alterTable('tickets').dropColumn('merged_into').dropColumn('tags').execute();
  await sql`delete from conversation_messages where direction = 'note'`.execute(db);
  await db.schema.alterTable('conversation_messages').dropConstraint('conversation_messages_direction_check').execute();
  await db.schema
    .alterTable('conversation_messages')
    .addCheckConstraint('conversation_messages_direction_check', sql`direction in ('inbound','outbound')`)
    .execute();
}
