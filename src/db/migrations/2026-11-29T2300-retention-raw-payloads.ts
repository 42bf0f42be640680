import { sql, type Kysely } from 'kysely';

// Retention of raw payloads: when an SNS message's, a channel message's, a commerce event's
// or an outgoing webhook event's payload was emptied. The partial indexes find what is still
// to purge oldest first.
const PURGED_TABLES = [
  { table: 'sns_messages', column: 'received_at' },
  { table: 'channel_messages', column: 'received_at' },
  { table: 'commerce_events', column: 'received_at' },
  { table: 'webhook_events', column: 'created_at' },
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const { table, column } of PURGED_TABLES) {
    await db.schema.alterTable(table).addColumn('content_purged_at', 'timestamptz').execute();
    await db.schema.createIndex(`${table}_content_to_purge`).on(table).column(column).where(sql.ref('content_purged_at'), 'is', null).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const { table } of PURGED_TABLES) {
    await db.schema.dropIndex(`${table}_content_to_purge`).execute();
    await db.schema.alterTable(table).dropColumn('content_purged_at').execute();
  }
}
