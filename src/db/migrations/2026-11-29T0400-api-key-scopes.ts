import { sql, type Kysely } from 'kysely';

// Lifting a suppression and changing helpdesk tickets or customers get scopes of their
// own: a product's send key can no longer un-suppress a complainer or close tickets.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table api_keys drop constraint api_keys_scopes_check`.execute(db);
  await sql`alter table api_keys add constraint api_keys_scopes_check
    check (scopes <@ array['send','read','webhooks','admin','debriefs','suppressions','helpdesk']::text[] and cardinality(scopes) > 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update api_keys set scopes = array_remove(array_remove(scopes, 'suppressions'), 'helpdesk')`.execute(db);
  await sql`delete from api_keys where cardinality(scopes) = 0`.execute(db);
  await sql`alter table api_keys drop constraint api_keys_scopes_check`.execute(db);
  await sql`alter table api_keys add constraint api_keys_scopes_check
    check (scopes <@ array['send','read','webhooks','admin','debriefs']::text[] and cardinality(scopes) > 0)`.execute(db);
}
