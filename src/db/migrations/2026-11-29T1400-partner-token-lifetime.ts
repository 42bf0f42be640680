import { sql, type Kysely } from 'kysely';

// Partner access tokens may expire (a lifetime per partner, none by default as the partner
// document says) and come with a refresh token, rotated on every use, so an operator can
// revoke every access token of a partner (on rotation) without every user reconnecting.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('partners').addColumn('access_token_ttl_seconds', 'integer').execute();
  await db.schema
    .alterTable('partner_tokens')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('refresh_token_hash', 'bytea', (col) => col.unique())
    // Set when the refresh token bought the next token: presenting it again ends the connection.
    .addColumn('refreshed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('partner_tokens_live_idx').on('partner_tokens').column('partner_id').where(sql.ref('revoked_at'), 'is', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('partner_tokens_live_idx').execute();
  await db.schema.alterTable('partner_tokens').dropColumn('refreshed_at').dropColumn('refresh_token_hash').dropColumn('expires_at').execute();
  await db.schema.alterTable('partners').dropColumn('access_token_ttl_seconds').execute();
}
