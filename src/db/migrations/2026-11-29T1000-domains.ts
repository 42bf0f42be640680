import { sql, type Kysely } from 'kysely';

// Sending domains: an organization's claim on a domain, the SES identity behind it and
// where its verification stands. One organization per domain: the name is unique.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('domains')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (col) => col.notNull().unique())
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('pending')
        .check(sql`status in ('pending','verified','failed')`),
    )
    // Easy DKIM: SES's three tokens, published as <token>._domainkey CNAMEs.
    .addColumn('dkim_tokens', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'`))
    .addColumn('dkim_status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('pending')
        .check(sql`dkim_status in ('pending','verified','failed')`),
    )
    .addColumn('mail_from_domain', 'text')
    .addColumn('mail_from_status', 'text', (col) => col.check(sql`mail_from_status in ('pending','verified','failed')`))
    .addColumn('dmarc_status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('missing')
        .check(sql`dmarc_status in ('missing','found')`),
    )
    .addColumn('last_checked_at', 'timestamptz')
    .addColumn('verified_at', 'timestamptz')
    .addColumn('failed_at', 'timestamptz')
    .addColumn('created_at', sql`timestamptz(3)`, (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('domains_org_idx').on('domains').columns(['org_id', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('domains').execute();
}
