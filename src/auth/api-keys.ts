import type { RequestHandler } from 'express';
import type { Db } from '../db/database.js';
import { findActiveApiKey } from './repository.js';
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

/** The principal of `Authorization: Bearer <api key>`, or undefined when the key is missing or wrong. */
export async function authenticateApiKey(lookup: ApiKeyLookup, authorization: string | undefined): Promise<ApiPrincipal | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  const parsed = match?.[1] ? parseApiKey(match[1]) : undefined;
  const key = parsed ? await lookup(parsed.id) : undefined;
  if (!parsed || !key || !constantTimeEqual(parsed.hash, key.secret_hash)) return undefined;
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
