import { sql, type Kysely } from 'kysely';

// Migrations take Kysely<any> and never import application code: they must keep
// describing the schema as it was on their day.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text')
    .addColumn('secret_hash', 'bytea', (col) => col.notNull())
    .addColumn('scopes', sql`text[]`, (col) =>
      col.notNull().check(sql`scopes <@ array['send','read','webhooks','admin','debriefs']::text[] and cardinality(scopes) > 0`),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_keys_org_idx').on('api_keys').column('org_id').execute();

  await db.schema
    .createTable('emails')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('queued')
        .check(sql`status in ('queued','sent','delivered','bounced','complained','failed','suppressed')`),
    )
    .addColumn('recipients', sql`text[]`, (col) => col.notNull())
    .addColumn('subject', 'text', (col) => col.notNull())
    .addColumn('content', 'jsonb', (col) => col.notNull())
    .addColumn('tags', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('metadata', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('ses_message_id', 'text', (col) => col.unique())
    .addColumn('failure_reason', 'text')
    // Millisecond precision, so the (created_at, id) list cursor round-trips through a JS Date exactly.
    .addColumn('created_at', sql`timestamptz(3)`, (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  // Listing is newest first within an org, paged by (created_at, id).
  await db.schema.createIndex('emails_org_created_idx').on('emails').columns(['org_id', 'created_at desc', 'id desc']).execute();
  await db.schema.createIndex('emails_recipients_idx').on('emails').using('gin').column('recipients').execute();
  await db.schema.createIndex('emails_tags_idx').on('emails').using('gin').column('tags').execute();

  await db.schema
    .createTable('email_events')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull())
    .addColumn('email_id', 'uuid', (col) => col.notNull().references('emails.id').onDelete('cascade'))
    .addColumn('type', 'text', (col) => col.notNull().check(sql`type in ('queued','sent','failed','replayed')`))
    .addColumn('recipient', 'text')
    .addColumn('detail', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('email_events_email_idx').on('email_events').columns(['email_id', 'occurred_at']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('endpoint', 'text', (col) => col.notNull())
    .addColumn('request_hash', 'text', (col) => col.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'jsonb')
    .addColumn('email_ids', sql`uuid[]`, (col) => col.notNull().defaultTo(sql`'{}'::uuid[]`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['org_id', 'key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['idempotency_keys', 'email_events', 'emails', 'api_keys', 'organizations']) {
    await db.schema.dropTable(table).execute();
  }
}
