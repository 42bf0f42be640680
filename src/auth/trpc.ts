import { initTRPC, TRPCError } from '@trpc/server';
import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import superjson from 'superjson';
import type { ApiKeyScope } from '../db/tables/api-keys.js';
import { authenticateApiKey, type ApiKeyLookup } from './api-keys.js';
import type { Sessions, SessionUser } from './sessions.js';

/**
 * Who calls a tRPC procedure: a product's API key (its organization and scopes), or a
 * person signed in through Hub (the seed's curl calls send the session cookie).
 */
export type Caller =
  { kind: 'api-key'; orgId: string; keyId: string; scopes: readonly ApiKeyScope[] } | { kind: 'user'; orgId: string; userId: string; session: SessionUser };

export interface TrpcContext {
  caller: Caller | undefined;
}

export async function createTrpcContext(deps: { apiKeys: ApiKeyLookup; sessions: Sessions }, { req }: CreateExpressContextOptions): Promise<TrpcContext> {
  const key = await authenticateApiKey(deps.apiKeys, req.get('authorization'));
  if (key) return { caller: { kind: 'api-key', ...key } };
  const session = await deps.sessions.current(req);
  return { caller: session ? { kind: 'user', orgId: session.orgId, userId: session.userId, session } : undefined };
}

// superjson is what makes the wire `{"json": ...}`, as the seed's curl calls send it.
export const t = initTRPC.context<TrpcContext>().create({ transformer: superjson });

/**
 * A procedure an API key may call with `scope`, and a signed-in person of the
 * organization may call too. Its context carries the caller's organization.
 */
export function scopedProcedure(scope: ApiKeyScope) {
  return t.procedure.use(({ ctx, next }) => {
    const caller = ctx.caller;
    if (!caller) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing or invalid API key' });
    if (caller.kind === 'api-key' && !caller.scopes.includes(scope)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `this API key lacks the '${scope}' scope` });
    }
    return next({ ctx: { ...ctx, caller, orgId: caller.orgId } });
  });
}
