import type { Kysely } from 'kysely';

// Meta's subscription handshake names no channel, only its verify token: the token's
// hash finds the channel in one lookup instead of opening every channel's sealed token.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('channels').addColumn('verify_token_hash', 'bytea').execute();
  await db.schema.createIndex('channels_verify_token_idx').on('channels').columns(['type', 'verify_token_hash']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('channels_verify_token_idx').execute();
  await db.schema.alterTable('channels').dropColumn('verify_token_hash').execute();
}
