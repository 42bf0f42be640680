import type { RequestHandler } from 'express';
import type { Db } from '../db/database.js';
import { findActiveApiKey } from '../db/repositories/api-keys.js';
import type { ApiKeyScope } from '../db/tables/api-keys.js';
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

/** Authenticates `Authorization: Bearer <api key>` and requires one scope. */
export function requireApiKey(db: Db, scope: ApiKeyScope): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const parsed = match?.[1] ? parseApiKey(match[1]) : undefined;
    const key = parsed ? await findActiveApiKey(db, parsed.id) : undefined;
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
