import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table email_events drop constraint email_events_type_check`.execute(db);
  await sql`alter table email_events add constraint email_events_type_check check (type in (
    'queued','sent','failed','replayed','suppressed',
    'delivered','bounced','complained','opened','clicked','delayed','rejected','rendering_failed'))`.execute(db);
  // One SES event can name several recipients; its timeline rows share the SNS message id.
  await db.schema.alterTable('email_events').addColumn('sns_message_id', 'text').execute();

  // Every SNS notification Relay accepted, verified, kept whole: the dedupe key, and
  // where events for messages Relay does not know stay visible.
  await db.schema
    .createTable('ses_notifications')
    .addColumn('sns_message_id', 'text', (col) => col.primaryKey())
    .addColumn('topic_arn', 'text', (col) => col.notNull())
    .addColumn('event_type', 'text', (col) => col.notNull())
    .addColumn('ses_message_id', 'text')
    .addColumn('org_id', 'uuid')
    .addColumn('email_id', 'uuid')
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('ses_notifications_unmatched_idx').on('ses_notifications').column('received_at').where(sql.ref('email_id'), 'is', null).execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('address', 'text', (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull().check(sql`reason in ('hard_bounce','complaint','manual')`))
    .addColumn('source_email_id', 'uuid')
    .addColumn('detail', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', sql`timestamptz(3)`, (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('suppressions_pk', ['org_id', 'address'])
    .execute();

  await db.schema
    .createTable('bounce_rate_alerts')
    .addColumn('org_id', 'uuid', (col) => col.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('alerted_at', 'timestamptz', (col) => col.notNull())
    .addColumn('bounce_rate', 'double precision', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('usage_reports')
    .addColumn('org_id', 'uuid', (col) => col.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('usage_date', 'date', (col) => col.notNull())
    .addColumn('emails_sent', 'integer', (col) => col.notNull())
    .addColumn('reported_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('usage_reports_pk', ['org_id', 'usage_date'])
    .execute();
  // Daily usage counts the "sent" timeline entries of a UTC day.
  await db.schema.createIndex('email_events_sent_day_idx').on('email_events').columns(['occurred_at']).where(sql.ref('type'), '=', 'sent').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('email_events_sent_day_idx').execute();
  for (const table of ['usage_reports', 'bounce_rate_alerts', 'suppressions', 'ses_notifications']) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.alterTable('email_events').dropColumn('sns_message_id').execute();
  await sql`alter table email_events drop constraint email_events_type_check`.execute(db);
  await sql`alter table email_events add constraint email_events_type_check check (type in ('queued','sent','failed','replayed'))`.execute(db);
}
