import { sql, type Kysely } from 'kysely';

const BEFORE = `'queued','sent','failed','replayed','suppressed','delivered','bounced','complained','opened','clicked','delayed','rejected','rendering_failed'`;

// Bounce reports that arrive as inbound mail are unauthenticated: they are noted on the
// timeline as 'bounce_reported' and never change an email's status or suppress anyone.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table email_events drop constraint email_events_type_check`.execute(db);
  await sql`alter table email_events add constraint email_events_type_check check (type in (${sql.raw(BEFORE)},'bounce_reported'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from email_events where type = 'bounce_reported'`.execute(db);
  await sql`alter table email_events drop constraint email_events_type_check`.execute(db);
  await sql`alter table email_events add constraint email_events_type_check check (type in (${sql.raw(BEFORE)}))`.execute(db);
}
