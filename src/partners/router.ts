import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { roleProcedure, t } from '../auth/trpc.js';
import type { Db } from '../db/database.js';
import { keysetPage, keysetPageInput } from '../http/pagination.js';
import { findUserConnectionForUpdate, listUserConnections, revokeTokenAndConnection } from './oauth-repository.js';

// A person's own RelayIt connections: whatever their role, they see and end their own. API keys have no person, so none.
const own = roleProcedure('Viewer');

export function createPartnersRouter(deps: { db: Db }) {
  const { db } = deps;
  return t.router({
    /** The RelayIt apps the signed-in user connected, with each connection's latest delivery. */
    connections: own.input(z.strictObject(keysetPageInput())).query(async ({ ctx, input }) => {
      const rows = await listUserConnections(db, ctx.orgId, ctx.caller.userId, { limit: input.limit + 1, after: input.cursor ?? undefined });
      return keysetPage(
        rows,
        input.limit,
        (row) => ({ at: row.created_at, id: row.id }),
        (row) => ({
          id: row.id,
          partner: { id: row.partner_id, name: row.partner_name, logoUrl: row.logo_url, suspended: row.suspended_at !== null },
          connectedAt: row.created_at.toISOString(),
          lastDelivery: row.last_delivery_at ? { at: row.last_delivery_at.toISOString(), status: row.last_delivery_status! } : null,
        }),
      );
    }),

    /** Ends a connection: its token is revoked and no more debriefs go to the app. */
    disconnect: own.input(z.strictObject({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
      const disconnected = await db.transaction().execute(async (trx) => {
        const connection = await findUserConnectionForUpdate(trx, ctx.orgId, ctx.caller.userId, input.id);
        if (!connection) return false;
        await revokeTokenAndConnection(trx, connection.token_id);
        return true;
      });
      if (!disconnected) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such connection' });
      return { id: input.id, disconnected: true };
    }),
  });
}
