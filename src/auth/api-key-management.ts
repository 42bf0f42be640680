import { z } from 'zod';
import type { Db } from '../db/database.js';
import { API_KEY_SCOPES, type ApiKey } from '../db/tables/api-keys.js';
import type { ApiKeyLookup } from './api-keys.js';
import { createApiKey, findApiKey, revokeApiKey } from './repository.js';

// What a new key may be made of, and revoking and rotating one: the same for the dashboard (tRPC), REST and `relay keys`.

export const apiKeyScopes = z
  .array(z.enum(API_KEY_SCOPES))
  .min(1, 'choose at least one scope')
  .max(API_KEY_SCOPES.length)
  .transform((list) => [...new Set(list)]);
export const apiKeyName = z.string().trim().min(1).max(100);
/** The public part of a key, `rk_` and 16 hex digits. */
export const apiKeyId = z.string().regex(/^rk_[0-9a-f]{16}$/, 'an API key id looks like rk_ and 16 hex digits');
export const isApiKeyId = (value: string): boolean => apiKeyId.safeParse(value).success;

/** Who made a key, as the list shows it. */
export function describeCreator(
  caller: { kind: 'api-key'; keyId: string } | { kind: 'user'; name: string | null; email: string | null } | { kind: 'cli' },
): string {
  if (caller.kind === 'cli') return 'relay keys (CLI)';
  if (caller.kind === 'api-key') return `API key ${caller.keyId}`;
  if (caller.name && caller.email) return `${caller.name} <${caller.email}>`;
  return caller.name ?? caller.email ?? 'a signed-in user';
}

/**
 * Revokes a key; this process forgets it at once, every other API process within its cache
 * second. Undefined when there is no such active key (in the organization, unless `orgId` is null).
 */
export async function revokeKey(db: Db, keys: ApiKeyLookup | undefined, orgId: string | null, id: string): Promise<ApiKey | undefined> {
  const revoked = await revokeApiKey(db, orgId, id);
  keys?.forget(id);
  return revoked;
}

/**
 * A new key with the old one's name and scopes, and the old one revoked in the same
 * transaction (it names its replacement). The new key is returned whole this once.
 */
export async function rotateKey(
  db: Db,
  keys: ApiKeyLookup | undefined,
  orgId: string | null,
  id: string,
  createdBy: string,
): Promise<{ key: string; record: ApiKey; replaced: ApiKey } | undefined> {
  const rotated = await db
    .transaction()
    .execute(async (trx) => {
      const old = await findApiKey(trx, orgId, id);
      if (!old || old.revoked_at) return undefined;
      const fresh = await createApiKey(trx, { orgId: old.org_id, scopes: old.scopes, name: old.name, createdBy });
      const replaced = await revokeApiKey(trx, old.org_id, old.id, fresh.record.id);
      // Revoked by someone else between the read and now: nothing changes.
      if (!replaced) throw new KeyRevokedMeanwhile();
      return { ...fresh, replaced };
    })
    .catch((error: unknown) => {
      if (error instanceof KeyRevokedMeanwhile) return undefined;
      throw error;
    });
  keys?.forget(id);
  return rotated;
}

class KeyRevokedMeanwhile extends Error {
  override name = 'KeyRevokedMeanwhile';
}
