import type { RequestHandler } from 'express';
import type { Db } from '../db/database.js';
import { findActiveApiKey } from '../db/repositories/api-keys.js';
import type { ApiKey, ApiKeyScope } from '../db/tables/api-keys.js';
import { constantTimeEqual, parseApiKey } from '../security/secrets.js';
import { ApiError } from './errors.js';

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
 * Key rows are cached briefly per process: the send path is hot, and a revoked key
 * stops working within this window. The secret is still compared on every request.
 */
const KEY_CACHE_TTL_MS = 10_000;
const KEY_CACHE_MAX_ENTRIES = 10_000;

export type ApiKeyLookup = (id: string) => Promise<ApiKey | undefined>;

export function cachedApiKeyLookup(db: Db, now: () => number = Date.now): ApiKeyLookup {
  const cache = new Map<string, { key: ApiKey | undefined; expires: number }>();
  return async (id) => {
    const hit = cache.get(id);
    if (hit && hit.expires > now()) return hit.key;
    const key = await findActiveApiKey(db, id);
    if (cache.size >= KEY_CACHE_MAX_ENTRIES) cache.clear();
    cache.set(id, { key, expires: now() + KEY_CACHE_TTL_MS });
    return key;
  };
}

/** Authenticates `Authorization: Bearer <api key>` and requires one scope. */
export function requireApiKey(lookup: ApiKeyLookup, scope: ApiKeyScope): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const parsed = match?.[1] ? parseApiKey(match[1]) : undefined;
    const key = parsed ? await lookup(parsed.id) : undefined;
    if (!parsed || !key || !constantTimeEqual(parsed.hash, key.secret_hash)) {
      throw new ApiError('unauthorized', 'missing or invalid API key');
    }
    if (!key.scopes.includes(scope)) {
      throw new ApiError('forbidden', `this API key lacks the '${scope}' scope`);
    }
    req.principal = { orgId: key.org_id, keyId: key.id, scopes: key.scopes };
    req.log?.setBindings({ orgId: key.org_id });
    next();
  };
}

/** The authenticated principal; routes behind requireApiKey always have one. */
export function principalOf(req: { principal?: ApiPrincipal }): ApiPrincipal {
  if (!req.principal) throw new ApiError('unauthorized', 'missing or invalid API key');
  return req.principal;
}
