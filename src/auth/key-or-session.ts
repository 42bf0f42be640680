import type { RequestHandler } from 'express';
import type { ApiKeyScope } from '../db/tables/api-keys.js';
import { ApiError } from '../http/errors.js';
import { authenticateApiKey, type ApiKeyLookup } from './api-keys.js';
import { roleAtLeast, type HubRole } from './roles.js';
import type { Sessions } from './sessions.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The organization of whoever is reading (an API key or a signed-in person). */
    reader?: { orgId: string };
  }
}

/**
 * For reads the dashboard makes as plain links (a file download, an audio player's source):
 * an API key with `scope`, or the session cookie of someone with at least `minRole`. Only
 * GET routes use it: a state change with the cookie needs the CSRF header (tRPC).
 */
export function requireKeyOrSession(deps: { apiKeys: ApiKeyLookup; sessions: Sessions }, scope: ApiKeyScope, minRole: HubRole): RequestHandler {
  return async (req, _res, next) => {
    const authorization = req.get('authorization');
    if (authorization) {
      const key = await authenticateApiKey(deps.apiKeys, authorization);
      if (!key) throw new ApiError('unauthorized', 'missing or invalid API key');
      if (!key.scopes.includes(scope)) throw new ApiError('forbidden', `this API key lacks the '${scope}' scope`);
      req.reader = { orgId: key.orgId };
      return next();
    }
    const session = await deps.sessions.current(req);
    if (!session) throw new ApiError('unauthorized', 'not signed in, or the session ended');
    if (!roleAtLeast(session.role, minRole)) throw new ApiError('forbidden', `this needs the ${minRole} role or higher in Hub`);
    req.reader = { orgId: session.orgId };
    next();
  };
}

export function readerOf(req: { reader?: { orgId: string } }): { orgId: string } {
  if (!req.reader) throw new ApiError('unauthorized', 'not signed in');
  return req.reader;
}
