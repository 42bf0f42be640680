import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // An organization's own support addresses: mail to them becomes its helpdesk tickets.
  await db.schema
    .createTable('inbound_addresses')
    .addColumn('address', 'text', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    // Null until routing finds the organization (product-routed mail may never have one).
    .addColumn('org_id', 'uuid', (col) => col.references('organizations.id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) => col.notNull().check(sql`provider in ('mailgun','sendgrid','postmark','cloudmailin','ses','resend')`))
    .addColumn('provider_message_id', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('received')
        .check(sql`status in ('received','routed','threaded','archived','ignored')`),
    )
    .addColumn('classification', 'text', (col) => col.check(sql`classification in ('inbound','bounce','outbound_copy','auto_reply','dialpad_voicemail')`))
    .addColumn('route', 'text')
    .addColumn('archive_reason', 'text')
    .addColumn('content_type', 'text', (col) => col.notNull())
    // The request exactly as the provider sent it: what was verified, and what replay re-reads.
    .addColumn('raw', 'bytea', (col) => col.notNull())
    .addColumn('parsed', 'jsonb')
    .addColumn('received_at', sql`timestamptz(3)`, (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('inbound_messages_provider_id_key', ['provider', 'provider_message_id'])
    .execute();
  await db.schema.createIndex('inbound_messages_org_idx').on('inbound_messages').columns(['org_id', 'received_at desc', 'id desc']).execute();

  await db.schema
    .createTable('inbound_attachments')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('inbound_id', 'uuid', (col) => col.notNull().references('inbound_messages.id').onDelete('cascade'))
    .addColumn('filename', 'text', (col) => col.notNull())
    .addColumn('content_type', 'text', (col) => col.notNull())
    .addColumn('size', 'integer', (col) => col.notNull())
    .addColumn('content', 'bytea', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('inbound_attachments_inbound_idx').on('inbound_attachments').column('inbound_id').execute();

  await db.schema
    .createTable('inbound_routing_attempts')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('inbound_id', 'uuid', (col) => col.notNull().references('inbound_messages.id').onDelete('cascade'))
    .addColumn('target', 'text', (col) => col.notNull())
    .addColumn('outcome', 'text', (col) => col.notNull().check(sql`outcome in ('delivered','failed','archived','replayed')`))
    .addColumn('detail', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('attempted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('inbound_routing_attempts_inbound_idx').on('inbound_routing_attempts').column('inbound_id').execute();

  // One-time tokens of signed provider requests (Mailgun), refused when seen again.
  await db.schema
    .createTable('webhook_nonces')
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('nonce', 'text', (col) => col.notNull())
    // The one message this token may carry; the same token with another message is a forgery.
    .addColumn('message_id', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('webhook_nonces_pk', ['provider', 'nonce'])
    .execute();

  // Relay's own helpdesk: customers, tickets and the conversation on each ticket.
  await db.schema
    .createTable('customers')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('phone', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('customers_org_email_key', ['org_id', 'email'])
    .execute();

  await db.schema
    .createTable('ticket_counters')
    .addColumn('org_id', 'uuid', (col) => col.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('last_number', 'integer', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('number', 'integer', (col) => col.notNull())
    .addColumn('subject', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('open')
        .check(sql`status in ('open','pending','resolved','closed')`),
    )
    .addColumn('priority', 'text', (col) =>
      col
        .notNull()
        .defaultTo('normal')
        .check(sql`priority in ('low','normal','high','urgent')`),
    )
    .addColumn('assignee', 'text')
    .addColumn('customer_id', 'uuid', (col) => col.references('customers.id').onDelete('set null'))
    .addColumn('channel', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('tickets_org_number_key', ['org_id', 'number'])
    .execute();

  await db.schema
    .createTable('conversation_messages')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('ticket_id', 'uuid', (col) => col.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('direction', 'text', (col) => col.notNull().check(sql`direction in ('inbound','outbound')`))
    .addColumn('channel', 'text', (col) => col.notNull())
    .addColumn('from_address', 'text')
    .addColumn('subject', 'text')
    .addColumn('body_text', 'text')
    .addColumn('body_html', 'text')
    .addColumn('message_id', 'text')
    .addColumn('inbound_id', 'uuid', (col) => col.references('inbound_messages.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('conversation_messages_message_id_idx').on('conversation_messages').columns(['org_id', 'message_id']).execute();
  await db.schema.createIndex('conversation_messages_ticket_idx').on('conversation_messages').columns(['ticket_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'conversation_messages',
    'tickets',
    'ticket_counters',
    'customers',
    'webhook_nonces',
    'inbound_routing_attempts',
    'inbound_attachments',
    'inbound_messages',
    'inbound_addresses',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
