import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // What sending on a channel needs (Twilio account SID and auth token, Meta access tokens,
  // Slack bot token), sealed like the channel's webhook secret.
  await db.schema.alterTable('channels').addColumn('credentials_sealed', 'bytea').execute();

  // Which channel a conversation message came in on (or went out on), and which agent wrote it.
  await db.schema
    .alterTable('conversation_messages')
    .addColumn('channel_id', 'uuid', (col) => col.references('channels.id').onDelete('set null'))
    .addColumn('author_user_id', 'uuid', (col) => col.references('users.id').onDelete('set null'))
    .execute();
  await sql`
    update conversation_messages cm set channel_id = m.channel_id
    from channel_messages m
    where m.org_id = cm.org_id and m.ticket_id = cm.ticket_id and m.type = cm.channel and m.external_id = cm.message_id
  `.execute(db);

  // One row per agent reply: where it goes and how far it got. Its id is the conversation
  // message's, and the workflow reply-<id> sends it.
  await db.schema
    .createTable('ticket_replies')
    .addColumn('id', 'uuid', (col) => col.primaryKey().references('conversation_messages.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('ticket_id', 'uuid', (col) => col.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('channel', 'text', (col) => col.notNull().check(sql`channel in ('email','twilio','whatsapp','messenger','slack')`))
    .addColumn('channel_id', 'uuid', (col) => col.references('channels.id').onDelete('set null'))
    .addColumn('sender', 'text', (col) => col.notNull())
    .addColumn('recipient', 'text', (col) => col.notNull())
    // The provider's id of the customer's message this one answers (a WhatsApp wamid, a Slack thread ts).
    .addColumn('in_reply_to', 'text')
    // Email replies' attachments (filename, content_type, base64 content) until the email is made from them.
    .addColumn('attachments', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('queued')
        .check(sql`status in ('queued','sent','delivered','failed')`),
    )
    .addColumn('failure_reason', 'text')
    // The last retryable error while still queued: what the agent sees while Relay keeps trying.
    .addColumn('last_error', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('email_id', 'uuid')
    // Set while a provider call is under way: an attempt that finds it set cannot know
    // whether the earlier one reached the provider, and does not send again.
    .addColumn('sending_since', 'timestamptz')
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('ticket_replies_org_idempotency_key', ['org_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('ticket_replies_ticket_idx').on('ticket_replies').columns(['ticket_id', 'created_at']).execute();
  // Delivery reports name the provider's message id.
  await db.schema.createIndex('ticket_replies_provider_idx').on('ticket_replies').columns(['org_id', 'channel', 'provider_message_id']).execute();
  // The customer-service window: the newest message from one identity on one channel.
  await db.schema
    .createIndex('conversation_messages_sender_idx')
    .on('conversation_messages')
    .columns(['org_id', 'channel', 'from_address', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversation_messages_sender_idx').execute();
  await db.schema.dropTable('ticket_replies').execute();
  await db.schema.alterTable('conversation_messages').dropColumn('author_user_id').dropColumn('channel_id').execute();
  await db.schema.alterTable('channels').dropColumn('credentials_sealed').execute();
}
