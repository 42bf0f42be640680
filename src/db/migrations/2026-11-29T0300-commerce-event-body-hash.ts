import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Shopify's webhook id header is not signed: the signed body itself is the dedupe key too,
// so a captured body replayed under a new webhook id is a duplicate, not a new event.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('commerce_events').addColumn('body_sha256', 'bytea').execute();
  await db.schema
    .createIndex('commerce_events_provider_body_key')
    .on('commerce_events')
    .columns(['provider', 'body_sha256'])
    .unique()
    .where(sql.ref('body_sha256'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('commerce_events_provider_body_key').execute();
  await db.schema.alterTable('commerce_events').dropColumn('body_sha256').execute();
}
