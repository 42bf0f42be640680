import { sql, type Kysely } from 'kysely';

// Webhooks v2: secret rotation with an overlap, a reason when a webhook is disabled, a
// `skipped` delivery (with its reason) instead of one left pending, replays that supersede
// earlier runs of a delivery (generation), the next retry on each logged attempt, and the
// order events were raised in (seq), which replays follow.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('webhooks')
    .addColumn('previous_secret_sealed', 'bytea')
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .addColumn('disabled_reason', 'text')
    .execute();

  await sql`alter table webhook_deliveries drop constraint webhook_deliveries_status_check`.execute(db);
  await sql`alter table webhook_deliveries add constraint webhook_deliveries_status_check check (status in ('pending','succeeded','failed','skipped'))`.execute(
    db,
  );
  await db.schema
    .alterTable('webhook_deliveries')
    .addColumn('reason', 'text')
    // Bumped by each replay: an attempt of an earlier run (a workflow still sleeping on its
    // timer) sees it is superseded and sends nothing.
    .addColumn('generation', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('replay_id', 'uuid')
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_replay_idx')
    .on('webhook_deliveries')
    .column('replay_id')
    .where(sql.ref('replay_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_pending_idx')
    .on('webhook_deliveries')
    .column('webhook_id')
    .where(sql.ref('status'), '=', 'pending')
    .execute();

  await db.schema.alterTable('webhook_delivery_attempts').addColumn('next_attempt_at', 'timestamptz').execute();

  await sql`alter table webhook_events add column seq bigint generated always as identity`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_events').dropColumn('seq').execute();
  await db.schema.alterTable('webhook_delivery_attempts').dropColumn('next_attempt_at').execute();
  await db.schema.dropIndex('webhook_deliveries_pending_idx').execute();
  await db.schema.dropIndex('webhook_deliveries_replay_idx').execute();
  await sql`delete from webhook_deliveries where status = 'skipped'`.execute(db);
  await db.schema.alterTable('webhook_deliveries').dropColumn('reason').dropColumn('generation').dropColumn('replay_id').execute();
  await sql`alter table webhook_deliveries drop constraint webhook_deliveries_status_check`.execute(db);
  await sql`alter table webhook_deliveries add constraint webhook_deliveries_status_check check (status in ('pending','succeeded','failed'))`.execute(db);
  await db.schema.alterTable('webhooks').dropColumn('previous_secret_sealed').dropColumn('previous_secret_expires_at').dropColumn('disabled_reason').execute();
}
