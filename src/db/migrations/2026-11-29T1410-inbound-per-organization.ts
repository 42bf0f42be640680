import { sql, type Kysely } from 'kysely';

// An inbound message was stored once per provider id across all tenants, and most
// providers' id is the sender's own Message-ID: a forged copy carrying another message's
// Message-ID made the real one a "duplicate". The content's hash now completes the key
// (empty for providers that assign their own ids: SES, Postmark, Resend). A message
// addressed to several organizations is delivered to each; inbound_deliveries records
// which, and delivers one message (provider, its id and the parsed message's hash) to
// an organization once, however many requests brought it (one per recipient, say).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('inbound_messages')
    .addColumn('content_hash', 'bytea', (col) => col.notNull().defaultTo(sql`'\\x'::bytea`))
    .execute();
  await db.schema.alterTable('inbound_messages').dropConstraint('inbound_messages_provider_id_key').execute();
  await db.schema
    .alterTable('inbound_messages')
    .addUniqueConstraint('inbound_messages_provider_id_content_key', ['provider', 'provider_message_id', 'content_hash'])
    .execute();

  await db.schema
    .createTable('inbound_deliveries')
    .addColumn('inbound_id', 'uuid', (col) => col.notNull().references('inbound_messages.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('provider_message_id', 'text', (col) => col.notNull())
    .addColumn('message_hash', 'bytea', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('inbound_deliveries_pkey', ['inbound_id', 'org_id'])
    .addUniqueConstraint('inbound_deliveries_message_key', ['org_id', 'provider', 'provider_message_id', 'message_hash'])
    .execute();
  await db.schema.createIndex('inbound_deliveries_org_idx').on('inbound_deliveries').columns(['org_id', 'inbound_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('inbound_deliveries').execute();
  await db.schema.alterTable('inbound_messages').dropConstraint('inbound_messages_provider_id_content_key').execute();
  await db.schema.alterTable('inbound_messages').addUniqueConstraint('inbound_messages_provider_id_key', ['provider', 'provider_message_id']).execute();
  await db.schema.alterTable('inbound_messages').dropColumn('content_hash').execute();
}
