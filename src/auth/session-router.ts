import { TRPCError } from '@trpc/server';
import type { Db } from '../db/database.js';
import { findSessionProfile } from './repository.js';
import { roleProcedure, t } from './trpc.js';

/** The signed-in person's own session (logging out is POST /api/portal/logout, which also clears the cookie). */
export function createSessionRouter(deps: { db: Db }) {
  return t.router({
    /** Who is signed in, in which organization, with which Hub role: what the dashboard shows and hides. */
    me: roleProcedure('Viewer').query(async ({ ctx }) => {
      const profile = await findSessionProfile(deps.db, ctx.orgId, ctx.caller.userId);
      if (!profile) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'this session no longer has a user' });
      return {
        user: { id: profile.userId, email: profile.email, name: profile.name },
        org: { id: profile.orgId, name: profile.orgName },
        role: ctx.caller.role,
      };
    }),
  });
}
