import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // An organization's messaging channels and their provider secrets (sealed: Relay verifies with them).
  await db.schema
    .createTable('channels')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('type', 'text', (col) => col.notNull().check(sql`type in ('twilio','whatsapp','messenger','dialpad','slack')`))
    // What the provider's requests name: a phone number, a WhatsApp phone_number_id, a page id, a Slack team:channel.
    .addColumn('address', 'text', (col) => col.notNull())
    .addColumn('secret_sealed', 'bytea', (col) => col.notNull())
    .addColumn('verify_token_sealed', 'bytea')
    .addColumn('auto_reply', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('channels_type_address_key', ['type', 'address'])
    .execute();

  await db.schema
    .createTable('channel_messages')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('channel_id', 'uuid', (col) => col.notNull().references('channels.id').onDelete('cascade'))
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('external_id', 'text', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('sender', 'text', (col) => col.notNull())
    .addColumn('sender_name', 'text')
    .addColumn('thread_key', 'text', (col) => col.notNull())
    .addColumn('body', 'text')
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('ticket_id', 'uuid', (col) => col.references('tickets.id').onDelete('set null'))
    .addColumn('received_at', sql`timestamptz(3)`, (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('channel_messages_type_external_key', ['type', 'external_id'])
    .execute();

  // Who a phone number, wa_id, PSID or Slack user is, per organization.
  await db.schema
    .createTable('channel_identities')
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('channel_type', 'text', (col) => col.notNull())
    .addColumn('identity', 'text', (col) => col.notNull())
    .addColumn('customer_id', 'uuid', (col) => col.notNull().references('customers.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('channel_identities_pk', ['org_id', 'channel_type', 'identity'])
    .execute();

  // Conversations on a channel thread into one open ticket per (org, channel, thread key).
  await db.schema.alterTable('tickets').addColumn('thread_key', 'text').execute();
  await db.schema.createIndex('tickets_thread_idx').on('tickets').columns(['org_id', 'channel', 'thread_key']).execute();

  await db.schema
    .createTable('dialpad_calls')
    .addColumn('call_id', 'text', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('states', sql`text[]`, (col) => col.notNull())
    .addColumn('caller', 'text')
    .addColumn('voicemail_url', 'text')
    .addColumn('transcription', 'text')
    .addColumn('ticket_id', 'uuid')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dialpad_calls').execute();
  await db.schema.dropIndex('tickets_thread_idx').execute();
  await db.schema.alterTable('tickets').dropColumn('thread_key').execute();
  for (const table of ['channel_identities', 'channel_messages', 'channels']) await db.schema.dropTable(table).execute();
}
