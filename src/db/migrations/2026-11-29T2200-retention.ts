import { sql, type Kysely } from 'kysely';

// Retention: each organization's period (null: RETENTION_DAYS), and when an email's or an
// inbound message's content was purged. The partial indexes find what is still to purge
// oldest first; the attempt logs are deleted by age.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('organizations')
    .addColumn('retention_days', 'integer', (col) => col.check(sql`retention_days > 0`))
    .execute();
  await db.schema.alterTable('emails').addColumn('content_purged_at', 'timestamptz').execute();
  await db.schema.alterTable('inbound_messages').addColumn('content_purged_at', 'timestamptz').execute();
  await db.schema.createIndex('emails_content_to_purge').on('emails').column('created_at').where(sql.ref('content_purged_at'), 'is', null).execute();
  await db.schema
    .createIndex('inbound_messages_content_to_purge')
    .on('inbound_messages')
    .column('received_at')
    .where(sql.ref('content_purged_at'), 'is', null)
    .execute();
  await db.schema.createIndex('webhook_delivery_attempts_attempted_at').on('webhook_delivery_attempts').column('attempted_at').execute();
  await db.schema.createIndex('partner_delivery_attempts_at').on('partner_delivery_attempts').column('at').execute();
  await db.schema.createIndex('inbound_routing_attempts_attempted_at').on('inbound_routing_attempts').column('attempted_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('inbound_routing_attempts_attempted_at').execute();
  await db.schema.dropIndex('partner_delivery_attempts_at').execute();
  await db.schema.dropIndex('webhook_delivery_attempts_attempted_at').execute();
  await db.schema.dropIndex('inbound_messages_content_to_purge').execute();
  await db.schema.dropIndex('emails_content_to_purge').execute();
  await db.schema.alterTable('inbound_messages').dropColumn('content_purged_at').execute();
  await db.schema.alterTable('emails').dropColumn('content_purged_at').execute();
  await db.schema.alterTable('organizations').dropColumn('retention_days').execute();
}
