import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // People who use Relay, known through Hub SSO.
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('hub_user_id', 'text', (col) => col.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('sessions')
    // SHA-256 of the cookie value; the value itself is never stored.
    .addColumn('token_hash', 'bytea', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('org_id', 'uuid', (col) => col.notNull())
    .addColumn('hub_session_id', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('partners')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('logo_url', 'text')
    .addColumn('client_id', 'text', (col) => col.notNull().unique())
    .addColumn('client_secret_hash', 'bytea', (col) => col.notNull())
    // Relay signs deliveries with it, so it is sealed (AES-256-GCM), not hashed.
    .addColumn('signing_secret_sealed', 'bytea', (col) => col.notNull())
    .addColumn('redirect_uris', sql`text[]`, (col) => col.notNull())
    .addColumn('webhook_url', 'text', (col) => col.notNull())
    .addColumn('error_url', 'text')
    .addColumn('rate_limit_per_user', 'integer', (col) => col.notNull().defaultTo(30))
    .addColumn('rate_limit_per_partner', 'integer', (col) => col.notNull().defaultTo(2000))
    .addColumn('suspended_at', 'timestamptz')
    .addColumn('suspended_reason', 'text')
    // Denials before an admin lifted a suspension do not count towards the next one.
    .addColumn('suspension_lifted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('partner_tokens')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('token_hash', 'bytea', (col) => col.notNull().unique())
    .addColumn('partner_id', 'uuid', (col) => col.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('scope', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('oauth_codes')
    .addColumn('code_hash', 'bytea', (col) => col.primaryKey())
    .addColumn('partner_id', 'uuid', (col) => col.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('redirect_uri', 'text', (col) => col.notNull())
    .addColumn('scope', 'text', (col) => col.notNull())
    .addColumn('code_challenge', 'text')
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    // The token this code was exchanged for: revoked if the code is ever presented again.
    .addColumn('token_id', 'uuid')
    .execute();

  await db.schema
    .createTable('crm_connections')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('partner_id', 'uuid', (col) => col.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_id', 'uuid', (col) => col.notNull())
    .addColumn('active', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('crm_connections_partner_user_key', ['partner_id', 'user_id'])
    .execute();

  // Shared rate-limit counters (fixed one-minute windows, read as a sliding window).
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('window_start', 'timestamptz', (col) => col.notNull())
    .addColumn('count', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('rate_limit_counters_pk', ['key', 'window_start'])
    .execute();

  await db.schema
    .createTable('partner_audit')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('partner_id', 'uuid', (col) => col.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid')
    .addColumn('method', 'text', (col) => col.notNull())
    .addColumn('endpoint', 'text', (col) => col.notNull())
    .addColumn('ip', 'text')
    .addColumn('status', 'integer', (col) => col.notNull())
    .addColumn('at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('partner_audit_partner_at_idx').on('partner_audit').columns(['partner_id', 'at']).execute();

  await db.schema
    .createTable('partner_deliveries')
    .addColumn('idempotency_key', 'uuid', (col) => col.primaryKey())
    .addColumn('partner_id', 'uuid', (col) => col.notNull().references('partners.id').onDelete('cascade'))
    .addColumn('connection_id', 'uuid', (col) => col.notNull().references('crm_connections.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('org_id', 'uuid', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull().check(sql`action in ('create_note','update_opportunity','create_activity')`))
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending','succeeded','failed')`),
    )
    .addColumn('partner_record_id', 'text')
    .addColumn('error_event', 'text', (col) => col.check(sql`error_event in ('sent','failed','none')`))
    .addColumn('created_at', sql`timestamptz(3)`, (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('partner_deliveries_partner_idx').on('partner_deliveries').columns(['partner_id', 'created_at desc']).execute();

  await db.schema
    .createTable('partner_delivery_attempts')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    .addColumn('idempotency_key', 'uuid', (col) => col.notNull().references('partner_deliveries.idempotency_key').onDelete('cascade'))
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('delivery','error_event')`))
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('at', sql`timestamptz(3)`, (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('http_status', 'integer')
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    .addColumn('error', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'partner_delivery_attempts',
    'partner_deliveries',
    'partner_audit',
    'rate_limit_counters',
    'crm_connections',
    'oauth_codes',
    'partner_tokens',
    'partners',
    'sessions',
    'users',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
