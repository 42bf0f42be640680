import { sql, type Kysely } from 'kysely';

/** The channel message kinds that are threaded (channels/parse.ts THREADED_KINDS), as the unthreaded index knows them. */
const THREADED_KINDS = [
  'text',
  'image',
  'document',
  'audio',
  'video',
  'location',
  'contacts',
  'interactive',
  'button',
  'sticker',
  'postback',
  'message',
  'sms',
  'slack_message',
];

// The sweep of received-but-not-started work reads, every minute, each table's rows still
// in their first state: a partial index each, holding only those rows, keeps that cheap
// however large the tables grow. Two markers the sweep needs are new: when a webhook event
// was planned into deliveries (an event with no subscriber has no delivery rows to tell),
// and when a Dialpad call was finished (its row now exists from the call's first event).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_events').addColumn('fanned_out_at', 'timestamptz').execute();
  await sql`update webhook_events set fanned_out_at = created_at`.execute(db);
  await db.schema.alterTable('dialpad_calls').addColumn('finished_at', 'timestamptz').execute();
  await sql`update dialpad_calls set finished_at = updated_at`.execute(db);

  const partial = async (name: string, table: string, column: string, where: ReturnType<typeof sql>) => {
    await sql`create index ${sql.id(name)} on ${sql.table(table)} (${sql.ref(column)}) where ${where}`.execute(db);
  };
  await partial('emails_queued_idx', 'emails', 'created_at', sql`status = 'queued'`);
  await partial('inbound_messages_received_idx', 'inbound_messages', 'received_at', sql`status = 'received'`);
  await partial(
    'channel_messages_unthreaded_idx',
    'channel_messages',
    'received_at',
    sql`ticket_id is null and kind in (${sql.join(THREADED_KINDS.map((kind) => sql.lit(kind)))})`,
  );
  await partial('dialpad_calls_unfinished_idx', 'dialpad_calls', 'updated_at', sql`finished_at is null`);
  await partial('commerce_events_unprocessed_idx', 'commerce_events', 'received_at', sql`processed_at is null`);
  await partial('webhook_events_unplanned_idx', 'webhook_events', 'created_at', sql`fanned_out_at is null`);
  await partial('partner_deliveries_pending_idx', 'partner_deliveries', 'created_at', sql`status = 'pending'`);
  await partial('sns_messages_unprocessed_idx', 'sns_messages', 'received_at', sql`processed_at is null`);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'sns_messages_unprocessed_idx',
    'partner_deliveries_pending_idx',
    'webhook_events_unplanned_idx',
    'commerce_events_unprocessed_idx',
    'dialpad_calls_unfinished_idx',
    'channel_messages_unthreaded_idx',
    'inbound_messages_received_idx',
    'emails_queued_idx',
  ]) {
    await db.schema.dropIndex(index).execute();
  }
  await db.schema.alterTable('dialpad_calls').dropColumn('finished_at').execute();
  await db.schema.alterTable('webhook_events').dropColumn('fanned_out_at').execute();
}
