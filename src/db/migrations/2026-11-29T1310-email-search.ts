import { sql, type Kysely } from 'kysely';

// The dashboard's activity log searches an organization's emails by part of a recipient
// or of the subject, and filters by status: trigram indexes (pg_trgm, with btree_gin so the
// organization is part of the same index) serve `like '%…%'`, and (org, status, created_at)
// serves a status filter paged newest first. Both extensions ship with PostgreSQL's contrib
// and are trusted: the database's owner may create them.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create extension if not exists btree_gin`.execute(db);
  // array_to_string is only stable (it formats any element type); for text[] it never changes, and an index needs an immutable expression.
  await sql`create function relay_email_recipients_text(text[]) returns text language sql immutable parallel safe
    as $$ select array_to_string($1, ' ') $$`.execute(db);
  await sql`create index emails_subject_search_idx on emails using gin (org_id, subject gin_trgm_ops)`.execute(db);
  await sql`create index emails_recipients_search_idx on emails using gin (org_id, relay_email_recipients_text(recipients) gin_trgm_ops)`.execute(db);
  await db.schema.createIndex('emails_org_status_created_idx').on('emails').columns(['org_id', 'status', 'created_at desc', 'id desc']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('emails_org_status_created_idx').execute();
  await db.schema.dropIndex('emails_recipients_search_idx').execute();
  await db.schema.dropIndex('emails_subject_search_idx').execute();
  await sql`drop function relay_email_recipients_text(text[])`.execute(db);
}
