import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { ApiKey, ApiKeyScope } from '../db/tables/api-keys.js';
import type { Organization } from '../db/tables/organizations.js';
import { isUuid } from '../db/uuid.js';
import { generateApiKey } from '../security/secrets.js';
import type { HubRole } from './roles.js';

/** A new organization; `id` is Hub's organization id when the organization signs in through Hub (random otherwise). */
export async function createOrganization(db: DbOrTrx, name: string, id: string = randomUUID()): Promise<Organization> {
  return db.insertInto('organizations').values({ id, name }).returningAll().executeTakeFirstOrThrow();
}

export async function findOrganization(db: DbOrTrx, idOrName: string): Promise<Organization | undefined> {
  const byId = isUuid(idOrName);
  return db
    .selectFrom('organizations')
    .selectAll()
    .where(byId ? 'id' : 'name', '=', idOrName)
    .orderBy('created_at')
    .executeTakeFirst();
}

export async function listOrganizations(db: DbOrTrx): Promise<Organization[]> {
  return db.selectFrom('organizations').selectAll().orderBy('created_at').execute();
}

/** Creates a key and returns it whole, the only time it is ever seen; only its hash is stored. */
export async function createApiKey(
  db: DbOrTrx,
  request: { orgId: string; scopes: ApiKeyScope[]; name?: string | null; createdBy?: string | null },
): Promise<{ key: string; record: ApiKey }> {
  const { id, key, hash } = generateApiKey();
  const record = await db
    .insertInto('api_keys')
    .values({ id, org_id: request.orgId, name: request.name ?? null, secret_hash: hash, scopes: request.scopes, created_by: request.createdBy ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key, record };
}

/** Looks a key up by its public id; the caller compares the secret hash in constant time. */
export async function findActiveApiKey(db: DbOrTrx, id: string): Promise<ApiKey | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
}

/** A key of the organization (`orgId` null: of any organization, for operators), revoked or not. */
export async function findApiKey(db: DbOrTrx, orgId: string | null, id: string): Promise<ApiKey | undefined> {
  let query = db.selectFrom('api_keys').selectAll().where('id', '=', id);
  if (orgId !== null) query = query.where('org_id', '=', orgId);
  return query.executeTakeFirst();
}

/** The organization's keys, newest first, revoked ones included; `after` is the last one of the previous page. */
export async function listApiKeys(db: DbOrTrx, orgId: string, page: { limit: number; after?: { at: Date; id: string } }): Promise<ApiKey[]> {
  let query = db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId);
  if (page.after) query = query.where(sql<boolean>`(created_at, id) < (${page.after.at}, ${page.after.id})`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

/** Revokes an active key; undefined when the organization has no such key or it is revoked already. */
export async function revokeApiKey(db: DbOrTrx, orgId: string | null, id: string, replacedBy: string | null = null): Promise<ApiKey | undefined> {
  let query = db
    .updateTable('api_keys')
    .set({ revoked_at: sql`now()`, replaced_by: replacedBy })
    .where('id', '=', id)
    .where('revoked_at', 'is', null);
  if (orgId !== null) query = query.where('org_id', '=', orgId);
  return query.returningAll().executeTakeFirst();
}

/** Records a use, unless one within `resolutionMs` is recorded already (several processes may try at once). */
export async function touchApiKey(db: DbOrTrx, id: string, at: Date, resolutionMs: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', new Date(at.getTime() - resolutionMs))]))
    .execute();
}

/** The user Hub vouched for, created on first sign-in and kept current on the next ones. */
export async function upsertHubUser(
  db: DbOrTrx,
  identity: { orgId: string; hubUserId: string; email: string | null; name: string | null },
): Promise<{ id: string }> {
  return db
    .insertInto('users')
    .values({ id: randomUUID(), org_id: identity.orgId, hub_user_id: identity.hubUserId, email: identity.email, name: identity.name })
    .onConflict((oc) => oc.column('hub_user_id').doUpdateSet({ email: identity.email, name: identity.name, org_id: identity.orgId }))
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function findUserInOrg(db: DbOrTrx, orgId: string, userId: string): Promise<{ id: string } | undefined> {
  if (!isUuid(userId)) return undefined;
  return db.selectFrom('users').select('id').where('org_id', '=', orgId).where('id', '=', userId).executeTakeFirst();
}

/** A person of the organization (signed in through Hub at least once), by Relay user id or email. */
export async function findOrgUser(db: DbOrTrx, orgId: string, idOrEmail: string) {
  const query = db.selectFrom('users').select(['id', 'email', 'name']).where('org_id', '=', orgId);
  if (isUuid(idOrEmail)) return query.where('id', '=', idOrEmail).executeTakeFirst();
  return query
    .where(sql<boolean>`lower(email) = ${idOrEmail.toLowerCase()}`)
    .orderBy('created_at')
    .executeTakeFirst();
}

/** The organization's people, by name: who tickets can be assigned to. */
export async function listOrgUsers(db: DbOrTrx, orgId: string) {
  return db.selectFrom('users').select(['id', 'email', 'name']).where('org_id', '=', orgId).orderBy('name').orderBy('email').execute();
}

export async function insertSession(
  db: DbOrTrx,
  session: { tokenHash: Buffer; userId: string; orgId: string; hubSessionId: string; role: HubRole; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      org_id: session.orgId,
      hub_session_id: session.hubSessionId,
      role: session.role,
      expires_at: session.expiresAt,
      revoked_at: null,
    })
    .execute();
}

/** A session that is neither revoked nor expired. */
export async function findLiveSession(db: DbOrTrx, tokenHash: Buffer) {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Who a session belongs to, for the dashboard's header. */
export async function findSessionProfile(db: DbOrTrx, orgId: string, userId: string) {
  return db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.org_id')
    .select(['users.id as userId', 'users.email', 'users.name', 'organizations.id as orgId', 'organizations.name as orgName'])
    .where('users.id', '=', userId)
    .where('organizations.id', '=', orgId)
    .executeTakeFirst();
}

export async function revokeSession(db: DbOrTrx, tokenHash: Buffer): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: sql`now()` })
    .where('token_hash', '=', tokenHash)
    .execute();
}
