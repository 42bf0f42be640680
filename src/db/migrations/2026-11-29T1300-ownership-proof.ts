import { sql, type Kysely } from 'kysely';

// Proof of ownership for what organizations claim. A claim is pending until proven; only
// proven (active) claims route mail or attribute provider webhooks, and only one
// organization may hold a proven claim, while several may have pending ones (so nobody
// blocks the real owner by claiming first). Claims made before proof existed stay active,
// marked `grandfathered`.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table inbound_addresses drop constraint inbound_addresses_pkey`.execute(db);
  await db.schema
    .alterTable('inbound_addresses')
    .addColumn('id', 'uuid', (col) => col.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('pending','active')`),
    )
    // SHA-256 of the confirmation code mailed to the address (the code itself is never kept).
    .addColumn('confirmation_hash', 'bytea')
    // The value to publish as a TXT record at _relay-verification.<domain>.
    .addColumn('dns_token', 'text')
    .addColumn('verified_by', 'text', (col) => col.check(sql`verified_by in ('mail','link','dns','sending_domain','grandfathered')`))
    .addColumn('verified_at', 'timestamptz')
    .execute();
  await sql`update inbound_addresses set verified_by = 'grandfathered', verified_at = now()`.execute(db);
  await sql`alter table inbound_addresses add primary key (id)`.execute(db);
  await db.schema.createIndex('inbound_addresses_org_address_key').unique().on('inbound_addresses').columns(['org_id', 'address']).execute();
  await db.schema
    .createIndex('inbound_addresses_active_key')
    .unique()
    .on('inbound_addresses')
    .column('address')
    .where(sql.ref('status'), '=', 'active')
    .execute();

  await sql`alter table commerce_accounts drop constraint commerce_accounts_provider_account_key`.execute(db);
  await db.schema
    .alterTable('commerce_accounts')
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('pending','active')`),
    )
    .addColumn('verified_by', 'text', (col) => col.check(sql`verified_by in ('oauth','operator','grandfathered')`))
    .addColumn('verified_at', 'timestamptz')
    // Shopify: the Admin API token the OAuth install returned (sealed), and the webhook topics registered with it.
    .addColumn('access_token_sealed', 'bytea')
    .addColumn('registered_topics', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
  await sql`update commerce_accounts set verified_by = 'grandfathered', verified_at = now()`.execute(db);
  await db.schema.createIndex('commerce_accounts_org_account_key').unique().on('commerce_accounts').columns(['provider', 'account', 'org_id']).execute();
  await db.schema
    .createIndex('commerce_accounts_active_key')
    .unique()
    .on('commerce_accounts')
    .columns(['provider', 'account'])
    .where(sql.ref('status'), '=', 'active')
    .execute();

  // OAuth installs in flight: the state Relay sent out (hashed), whom it is for, once.
  await db.schema
    .createTable('commerce_oauth_states')
    .addColumn('state_hash', 'bytea', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) => col.notNull().check(sql`provider in ('shopify','stripe_connect')`))
    .addColumn('shop', 'text')
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('commerce_oauth_states').execute();
  await db.schema.dropIndex('commerce_accounts_active_key').execute();
  await db.schema.dropIndex('commerce_accounts_org_account_key').execute();
  await sql`delete from commerce_accounts where status <> 'active'`.execute(db);
  await db.schema
    .alterTable('commerce_accounts')
    .dropColumn('status')
    .dropColumn('verified_by')
    .dropColumn('verified_at')
    .dropColumn('access_token_sealed')
    .dropColumn('registered_topics')
    .execute();
  await sql`alter table commerce_accounts add constraint commerce_accounts_provider_account_key unique (provider, account)`.execute(db);

  await db.schema.dropIndex('inbound_addresses_active_key').execute();
  await db.schema.dropIndex('inbound_addresses_org_address_key').execute();
  await sql`delete from inbound_addresses where status <> 'active'`.execute(db);
  await sql`alter table inbound_addresses drop constraint inbound_addresses_pkey`.execute(db);
  await db.schema
    .alterTable('inbound_addresses')
    .dropColumn('id')
    .dropColumn('status')
    .dropColumn('confirmation_hash')
    .dropColumn('dns_token')
    .dropColumn('verified_by')
    .dropColumn('verified_at')
    .execute();
  await sql`alter table inbound_addresses add primary key (address)`.execute(db);
}
