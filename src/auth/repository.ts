import { generateApiKey } from '../security/secrets.js';
import type { DbOrTrx } from '../db/database.js';
import type { ApiKey, ApiKeyScope } from '../db/tables/api-keys.js';

/** Creates a key and returns it whole, the only time it is ever seen; only its hash is stored. */
export async function createApiKey(
  db: DbOrTrx,
  request: { orgId: string; scopes: ApiKeyScope[]; name?: string },
): Promise<{ key: string; record: ApiKey }> {
  const { id, key, hash } = generateApiKey();
  const record = await db
    .insertInto('api_keys')
    .values({ id, org_id: request.orgId, name: request.name ?? null, secret_hash: hash, scopes: request.scopes })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key, record };
}

/** Looks a key up by its public id; the caller compares the secret hash in constant time. */
export async function findActiveApiKey(db: DbOrTrx, id: string): Promise<ApiKey | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
}
