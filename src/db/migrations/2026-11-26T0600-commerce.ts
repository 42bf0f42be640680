import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Stores and accounts an organization connected: a Shopify shop (with its webhook secret),
  // a Stripe Connect account, an Amazon seller id.
  await db.schema
    .createTable('commerce_accounts')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) => col.notNull().check(sql`provider in ('shopify','stripe_connect','amazon')`))
    .addColumn('account', 'text', (col) => col.notNull())
    .addColumn('secret_sealed', 'bytea')
    .addColumn('expected_topics', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('commerce_accounts_provider_account_key', ['provider', 'account'])
    .execute();

  // Every verified commerce webhook, once per provider event id.
  await db.schema
    .createTable('commerce_events')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.references('organizations.id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('event_id', 'text', (col) => col.notNull())
    .addColumn('topic', 'text', (col) => col.notNull())
    .addColumn('account', 'text')
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addUniqueConstraint('commerce_events_provider_event_key', ['provider', 'event_id'])
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('provider', 'text', (col) => col.notNull())
    .addColumn('account', 'text', (col) => col.notNull())
    .addColumn('external_id', 'text', (col) => col.notNull())
    .addColumn('customer_id', 'uuid', (col) => col.references('customers.id').onDelete('set null'))
    .addColumn('kind', 'text', (col) =>
      col
        .notNull()
        .defaultTo('order')
        .check(sql`kind in ('order','return')`),
    )
    .addColumn('status', 'text')
    .addColumn('total', 'text')
    .addColumn('currency', 'text')
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('orders_org_provider_external_key', ['org_id', 'provider', 'kind', 'external_id'])
    .execute();

  // Each organization's Relay subscription as Stripe reports it.
  await db.schema
    .createTable('subscriptions')
    .addColumn('org_id', 'uuid', (col) => col.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('stripe_customer_id', 'text')
    .addColumn('stripe_subscription_id', 'text')
    .addColumn('plan', 'text')
    .addColumn('status', 'text')
    .addColumn('current_period_end', 'timestamptz')
    .addColumn('last_payment_status', 'text')
    .addColumn('last_payment_at', 'timestamptz')
    // Stripe's `created` of the newest event applied: an older event arriving late changes nothing.
    .addColumn('last_event_created', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('gdpr_requests')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('shop', 'text', (col) => col.notNull())
    .addColumn('topic', 'text', (col) => col.notNull().check(sql`topic in ('customers/data_request','customers/redact','shop/redact')`))
    .addColumn('subject', 'jsonb', (col) => col.notNull())
    .addColumn('export', 'jsonb')
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('received')
        .check(sql`status in ('received','completed')`),
    )
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['gdpr_requests', 'subscriptions', 'orders', 'commerce_events', 'commerce_accounts']) await db.schema.dropTable(table).execute();
}
