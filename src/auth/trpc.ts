import { initTRPC, TRPCError } from '@trpc/server';
import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import superjson from 'superjson';
import type { ApiKeyScope } from '../db/tables/api-keys.js';
import { authenticateApiKey, type ApiKeyLookup } from './api-keys.js';
import { ApiError } from '../http/errors.js';
import { roleAtLeast, type HubRole } from './roles.js';
import { asTrpcError, formatTrpcError } from './trpc-errors.js';
import type { Sessions, SessionUser } from './sessions.js';

/**
 * Who calls a tRPC procedure: a product's API key (its organization and scopes), or a
 * person signed in through Hub (the dashboard, and the seed's curl calls with the session
 * cookie) with the Hub role they signed in with.
 */
export type Caller =
  | { kind: 'api-key'; orgId: string; keyId: string; scopes: readonly ApiKeyScope[] }
  | { kind: 'user'; orgId: string; userId: string; role: HubRole; session: SessionUser };

export interface TrpcContext {
  caller: Caller | undefined;
}

/** Cookie calls reach this only with the CSRF header (requireCsrfHeader runs in front of /api/trpc). */
export async function createTrpcContext(deps: { apiKeys: ApiKeyLookup; sessions: Sessions }, { req }: CreateExpressContextOptions): Promise<TrpcContext> {
  const authorization = req.get('authorization');
  if (authorization) {
    // A call with an Authorization header is an API-key call: a wrong key never falls back to the cookie.
    const key = await authenticateApiKey(deps.apiKeys, authorization);
    return { caller: key ? { kind: 'api-key', ...key } : undefined };
  }
  const session = await deps.sessions.current(req);
  return { caller: session ? { kind: 'user', orgId: session.orgId, userId: session.userId, role: session.role, session } : undefined };
}

// superjson is what makes the wire `{"json": ...}`, as the seed's curl calls send it.
// Errors carry the REST API's codes and messages and never a stack, whatever NODE_ENV says.
export const t = initTRPC.context<TrpcContext>().create({ transformer: superjson, errorFormatter: formatTrpcError, isDev: false });

/** Every procedure: a capability's ApiError keeps its status (a 404 stays a 404, not a 500). */
const procedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ApiError) throw asTrpcError(result.error.cause);
  return result;
});

function requireRole(caller: Extract<Caller, { kind: 'user' }>, minRole: HubRole): void {
  if (!roleAtLeast(caller.role, minRole)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `this needs the ${minRole} role or higher in Hub; you signed in as ${caller.role}` });
  }
}

/**
 * A procedure for people signed in through Hub with at least `minRole` (Viewer < Member <
 * Admin < Owner). API keys are refused: they have no role, only scopes.
 */
export function roleProcedure(minRole: HubRole) {
  return procedure.use(({ ctx, next }) => {
    const caller = ctx.caller;
    if (!caller) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'not signed in, or the session ended' });
    if (caller.kind !== 'user') throw new TRPCError({ code: 'FORBIDDEN', message: 'this procedure is for people signed in through Hub, not API keys' });
    requireRole(caller, minRole);
    return next({ ctx: { ...ctx, caller, orgId: caller.orgId } });
  });
}

/**
 * A procedure both kinds of caller may use: an API key needs `scope`, a signed-in person
 * needs at least `minRole`. Both are required arguments, so no procedure can forget either
 * check. Its context carries the caller's organization.
 */
export function scopedProcedure(scope: ApiKeyScope, minRole: HubRole) {
  return procedure.use(({ ctx, next }) => {
    const caller = ctx.caller;
    if (!caller) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing or invalid API key, or no live session' });
    if (caller.kind === 'api-key' && !caller.scopes.includes(scope)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `this API key lacks the '${scope}' scope` });
    }
    if (caller.kind === 'user') requireRole(caller, minRole);
    return next({ ctx: { ...ctx, caller, orgId: caller.orgId } });
  });
}
