import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { Partner } from '../db/tables/partners.js';

// The OAuth grant: authorization codes, the partner tokens they buy, and the CRM
// connection (one per user and partner) each live token backs.

export async function insertAuthorizationCode(
  db: DbOrTrx,
  code: { codeHash: Buffer; partnerId: string; userId: string; redirectUri: string; scope: string; codeChallenge: string | null; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('oauth_codes')
    .values({
      code_hash: code.codeHash,
      partner_id: code.partnerId,
      user_id: code.userId,
      redirect_uri: code.redirectUri,
      scope: code.scope,
      code_challenge: code.codeChallenge,
      expires_at: code.expiresAt,
      used_at: null,
      token_id: null,
    })
    .execute();
}

/** The code, locked until the caller's transaction ends: a code is exchanged once. */
export async function findAuthorizationCodeForUpdate(trx: DbOrTrx, codeHash: Buffer) {
  return trx.selectFrom('oauth_codes').selectAll().where('code_hash', '=', codeHash).forUpdate().executeTakeFirst();
}

/** A new access token (and its refresh token) for a user of a partner; its id. */
async function insertPartnerToken(trx: DbOrTrx, token: NewPartnerToken): Promise<string> {
  const tokenId = randomUUID();
  await trx
    .insertInto('partner_tokens')
    .values({
      id: tokenId,
      token_hash: token.tokenHash,
      refresh_token_hash: token.refreshTokenHash,
      partner_id: token.partnerId,
      user_id: token.userId,
      scope: token.scope,
      expires_at: token.expiresAt,
      revoked_at: null,
      refreshed_at: null,
    })
    .execute();
  return tokenId;
}

export interface NewPartnerToken {
  tokenHash: Buffer;
  refreshTokenHash: Buffer;
  partnerId: string;
  userId: string;
  scope: string;
  expiresAt: Date | null;
}

/**
 * Spends the code on a new token, and points the user's connection to the partner at it:
 * connecting again replaces (and revokes) the token of the previous connection. Returns the token's id.
 */
export async function issuePartnerToken(trx: DbOrTrx, grant: NewPartnerToken & { codeHash: Buffer }): Promise<string> {
  const tokenId = await insertPartnerToken(trx, grant);
  await trx
    .updateTable('oauth_codes')
    .set({ used_at: sql`now()`, token_id: tokenId })
    .where('code_hash', '=', grant.codeHash)
    .execute();
  const previous = await trx
    .selectFrom('crm_connections')
    .select('token_id')
    .where('partner_id', '=', grant.partnerId)
    .where('user_id', '=', grant.userId)
    .executeTakeFirst();
  if (previous) await revokeToken(trx, previous.token_id);
  await trx
    .insertInto('crm_connections')
    .values({ id: randomUUID(), partner_id: grant.partnerId, user_id: grant.userId, token_id: tokenId })
    .onConflict((oc) => oc.columns(['partner_id', 'user_id']).doUpdateSet({ token_id: tokenId, active: true, updated_at: sql`now()` }))
    .execute();
  return tokenId;
}

/**
 * The token a refresh token was issued with, locked until the caller's transaction ends
 * (a refresh token is spent once), with the state of the user's connection to the partner.
 */
export async function findTokenByRefreshHashForUpdate(trx: DbOrTrx, refreshTokenHash: Buffer) {
  return trx
    .selectFrom('partner_tokens')
    .leftJoin('crm_connections', (join) =>
      join.onRef('crm_connections.partner_id', '=', 'partner_tokens.partner_id').onRef('crm_connections.user_id', '=', 'partner_tokens.user_id'),
    )
    .select([
      'partner_tokens.id',
      'partner_tokens.partner_id',
      'partner_tokens.user_id',
      'partner_tokens.scope',
      'partner_tokens.refreshed_at',
      'crm_connections.id as connection_id',
      'crm_connections.active as connection_active',
      'crm_connections.token_id as connection_token_id',
    ])
    .where('partner_tokens.refresh_token_hash', '=', refreshTokenHash)
    .forUpdate('partner_tokens')
    .executeTakeFirst();
}

/** Spends a refresh token: its token is revoked, a new one backs the connection. Returns the new token's id. */
export async function refreshPartnerToken(trx: DbOrTrx, spent: { tokenId: string; connectionId: string }, next: NewPartnerToken): Promise<string> {
  await trx
    .updateTable('partner_tokens')
    .set({ refreshed_at: sql`now()`, revoked_at: sql`coalesce(revoked_at, now())` })
    .where('id', '=', spent.tokenId)
    .execute();
  const tokenId = await insertPartnerToken(trx, next);
  await trx
    .updateTable('crm_connections')
    .set({ token_id: tokenId, updated_at: sql`now()` })
    .where('id', '=', spent.connectionId)
    .execute();
  return tokenId;
}

/** Revokes every live access token of a partner (its connections and refresh tokens stay); how many. */
export async function revokePartnerAccessTokens(db: DbOrTrx, partnerId: string): Promise<number> {
  const result = await db
    .updateTable('partner_tokens')
    .set({ revoked_at: sql`now()` })
    .where('partner_id', '=', partnerId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

async function revokeToken(db: DbOrTrx, tokenId: string): Promise<void> {
  await db
    .updateTable('partner_tokens')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes a token and deactivates the connection it backs (a disconnect, or a code presented twice). Call inside a transaction. */
export async function revokeTokenAndConnection(trx: DbOrTrx, tokenId: string): Promise<void> {
  await revokeToken(trx, tokenId);
  await trx
    .updateTable('crm_connections')
    .set({ active: false, updated_at: sql`now()` })
    .where('token_id', '=', tokenId)
    .execute();
}

/** The token with this hash unless it was revoked or has expired, with its partner. */
export async function findLivePartnerToken(
  db: DbOrTrx,
  tokenHash: Buffer,
): Promise<{ token: { id: string; user_id: string; scope: string }; partner: Partner } | undefined> {
  const token = await db
    .selectFrom('partner_tokens')
    .innerJoin('partners', 'partners.id', 'partner_tokens.partner_id')
    .select([
      'partner_tokens.id',
      'partner_tokens.user_id',
      'partner_tokens.scope',
      'partner_tokens.revoked_at',
      'partner_tokens.expires_at',
      'partner_tokens.partner_id',
    ])
    .where('partner_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!token || token.revoked_at || (token.expires_at && token.expires_at.getTime() <= Date.now())) return undefined;
  const partner = await db.selectFrom('partners').selectAll().where('id', '=', token.partner_id).executeTakeFirstOrThrow();
  return { token: { id: token.id, user_id: token.user_id, scope: token.scope }, partner };
}

/** Whether the connection this token backs is active. */
export async function isConnectionActive(db: DbOrTrx, tokenId: string): Promise<boolean> {
  const connection = await db.selectFrom('crm_connections').select('active').where('token_id', '=', tokenId).executeTakeFirst();
  return connection?.active === true;
}

/** The user's active connections to partners that are not suspended: where a debrief goes. */
export async function listActiveConnectionsOfUser(db: DbOrTrx, userId: string): Promise<{ id: string; partner_id: string }[]> {
  return db
    .selectFrom('crm_connections')
    .innerJoin('partners', 'partners.id', 'crm_connections.partner_id')
    .select(['crm_connections.id', 'crm_connections.partner_id'])
    .where('crm_connections.user_id', '=', userId)
    .where('crm_connections.active', '=', true)
    .where('partners.suspended_at', 'is', null)
    .execute();
}

/**
 * The apps a signed-in user connected (active connections), newest first, each with its
 * partner and the connection's latest delivery; `after` is the last one of the previous page.
 */
export async function listUserConnections(db: DbOrTrx, orgId: string, userId: string, page: { limit: number; after?: { at: Date; id: string } }) {
  let query = db
    .selectFrom('crm_connections')
    .innerJoin('users', 'users.id', 'crm_connections.user_id')
    .innerJoin('partners', 'partners.id', 'crm_connections.partner_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('partner_deliveries')
          .select(['partner_deliveries.created_at as last_delivery_at', 'partner_deliveries.status as last_delivery_status'])
          .whereRef('partner_deliveries.connection_id', '=', 'crm_connections.id')
          .orderBy('partner_deliveries.created_at', 'desc')
          .limit(1)
          .as('last_delivery'),
      (join) => join.onTrue(),
    )
    .select([
      'crm_connections.id',
      'crm_connections.created_at',
      'partners.id as partner_id',
      'partners.name as partner_name',
      'partners.logo_url',
      'partners.suspended_at',
      'last_delivery.last_delivery_at',
      'last_delivery.last_delivery_status',
    ])
    .where('users.org_id', '=', orgId)
    .where('crm_connections.user_id', '=', userId)
    .where('crm_connections.active', '=', true);
  if (page.after) query = query.where(sql<boolean>`(crm_connections.created_at, crm_connections.id) < (${page.after.at}, ${page.after.id}::uuid)`);
  return query.orderBy('crm_connections.created_at', 'desc').orderBy('crm_connections.id', 'desc').limit(page.limit).execute();
}

/** The token behind one of the user's active connections, locked until the transaction ends. */
export async function findUserConnectionForUpdate(trx: DbOrTrx, orgId: string, userId: string, connectionId: string) {
  return trx
    .selectFrom('crm_connections')
    .innerJoin('users', 'users.id', 'crm_connections.user_id')
    .select(['crm_connections.id', 'crm_connections.token_id'])
    .where('users.org_id', '=', orgId)
    .where('crm_connections.user_id', '=', userId)
    .where('crm_connections.id', '=', connectionId)
    .where('crm_connections.active', '=', true)
    .forUpdate()
    .executeTakeFirst();
}
