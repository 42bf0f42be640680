import type { Kysely } from 'kysely';

// The bounce-rate check reads one organization's recent events; inbound threading looks
// up the ticket an inbound email went into. Both scanned whole tables before.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('email_events_org_occurred_idx').on('email_events').columns(['org_id', 'occurred_at']).execute();
  await db.schema.createIndex('conversation_messages_inbound_idx').on('conversation_messages').column('inbound_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversation_messages_inbound_idx').execute();
  await db.schema.dropIndex('email_events_org_occurred_idx').execute();
}
