import type { RequestHandler } from 'express';
import type { Db } from '../db/database.js';
import { findActiveApiKey, touchApiKey } from './repository.js';
import type { ApiKey, ApiKeyScope } from '../db/tables/api-keys.js';
import { constantTimeEqual, parseApiKey } from '../security/secrets.js';
import { ApiError } from '../http/errors.js';

export interface ApiPrincipal {
  orgId: string;
  keyId: string;
  scopes: readonly ApiKeyScope[];
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: ApiPrincipal;
  }
}

/**
 * Key rows are cached for at most a second per process: the send path is hot, and a key
 * revoked anywhere (dashboard, REST, CLI, another API process) is refused everywhere within
 * that second; the process that revoked it forgets it at once. A miss is one primary-key
 * read (npm run bench prints its cost). The secret is still compared on every request.
 */
export const KEY_CACHE_TTL_MS = 1000;
const KEY_CACHE_MAX_ENTRIES = 10_000;
/** A key's last use is written at most this often: a busy key costs one UPDATE a minute, not one per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyLookup {
  /** The active key with this public id. */
  find(id: string): Promise<ApiKey | undefined>;
  /**
   * A request was authenticated with `key`: recorded when its last recorded use is older
   * than a minute. Requests do not wait for it; the promise (which never rejects) is for tests.
   */
  recordUse(key: ApiKey): Promise<void>;
  /** Drops a key from this process's cache (it was just revoked here). */
  forget(id: string): void;
}

export function cachedApiKeyLookup(db: Db, options: { now?: () => number; onError?: (error: unknown) => void } = {}): ApiKeyLookup {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { key: ApiKey | undefined; expires: number }>();
  // Keys whose use this process recorded (or is recording) in the last minute.
  const recorded = new Map<string, number>();
  return {
    async find(id) {
      const hit = cache.get(id);
      if (hit && hit.expires > now()) return hit.key;
      const key = await findActiveApiKey(db, id);
      if (cache.size >= KEY_CACHE_MAX_ENTRIES) cache.clear();
      cache.set(id, { key, expires: now() + KEY_CACHE_TTL_MS });
      return key;
    },
    recordUse(key) {
      const at = now();
      const last = Math.max(key.last_used_at?.getTime() ?? 0, recorded.get(key.id) ?? 0);
      if (at - last < LAST_USED_RESOLUTION_MS) return Promise.resolve();
      if (recorded.size >= KEY_CACHE_MAX_ENTRIES) recorded.clear();
      recorded.set(key.id, at);
      // A failed write only loses one last-used time.
      return touchApiKey(db, key.id, new Date(at), LAST_USED_RESOLUTION_MS).catch((error: unknown) => options.onError?.(error));
    },
    forget(id) {
      cache.delete(id);
    },
  };
}

/** The principal of `Authorization: Bearer <api key>`, or undefined when the key is missing or wrong. */
export async function authenticateApiKey(lookup: ApiKeyLookup, authorization: string | undefined): Promise<ApiPrincipal | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  const parsed = match?.[1] ? parseApiKey(match[1]) : undefined;
  const key = parsed ? await lookup.find(parsed.id) : undefined;
  if (!parsed || !key || !constantTimeEqual(parsed.hash, key.secret_hash)) return undefined;
  // Off the request's path.
  void lookup.recordUse(key);
  return { orgId: key.org_id, keyId: key.id, scopes: key.scopes };
}

/** Authenticates `Authorization: Bearer <api key>` and requires one scope. */
export function requireApiKey(lookup: ApiKeyLookup, scope: ApiKeyScope): RequestHandler {
  return async (req, _res, next) => {
    const principal = await authenticateApiKey(lookup, req.get('authorization'));
    if (!principal) throw new ApiError('unauthorized', 'missing or invalid API key');
    if (!principal.scopes.includes(scope)) throw new ApiError('forbidden', `this API key lacks the '${scope}' scope`);
    req.principal = principal;
    req.log?.setBindings({ orgId: principal.orgId });
    next();
  };
}

/** The authenticated principal; routes behind requireApiKey always have one. */
export function principalOf(req: { principal?: ApiPrincipal }): ApiPrincipal {
  if (!req.principal) throw new ApiError('unauthorized', 'missing or invalid API key');
  return req.principal;
}
