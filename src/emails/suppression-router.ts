import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { scopedProcedure, t } from '../auth/trpc.js';
import type { Db } from '../db/database.js';
import { SUPPRESSION_REASONS, type Suppression } from '../db/tables/suppressions.js';
import { keysetPage, keysetPageInput } from '../http/pagination.js';
import { deleteSuppression, findSuppressed, listRecentSuppressions, suppressAddress } from './suppression-repository.js';
import { addSuppressionRequest } from './suppression-schemas.js';

// Viewers read the list; adding and lifting are acting on email, a Member's right. The API
// key scopes are the REST API's: adding needs `send`, lifting the stronger `suppressions`.
const read = scopedProcedure('read', 'Viewer');
const add = scopedProcedure('send', 'Member');
const lift = scopedProcedure('suppressions', 'Member');

function view(entry: Suppression) {
  return {
    address: entry.address,
    reason: entry.reason,
    sourceEmailId: entry.source_email_id,
    detail: entry.detail,
    createdAt: entry.created_at.toISOString(),
  };
}

// An address is the key of a suppression, so any non-empty string is a cursor's key part.
const isAddress = (value: string) => value.length > 0 && value.length <= 320;

export function createSuppressionsRouter(deps: { db: Db }) {
  const { db } = deps;
  return t.router({
    list: read
      .input(
        z.strictObject({
          search: z.string().trim().min(1).max(320).optional(),
          reason: z.enum(SUPPRESSION_REASONS).optional(),
          ...keysetPageInput(isAddress),
        }),
      )
      .query(async ({ ctx, input }) => {
        const after = input.cursor ? { at: input.cursor.at, address: input.cursor.id } : undefined;
        const rows = await listRecentSuppressions(db, ctx.orgId, { search: input.search, reason: input.reason, limit: input.limit + 1, after });
        return keysetPage(rows, input.limit, (entry) => ({ at: entry.created_at, id: entry.address }), view);
      }),

    /** Suppresses an address by hand (reason `manual`); an address suppressed already keeps its first reason. */
    add: add
      .input(addSuppressionRequest.omit({ reason: true }).extend({ note: z.string().trim().min(1).max(500).optional() }))
      .mutation(async ({ ctx, input }) => {
        const [existing] = await findSuppressed(db, ctx.orgId, [input.address]);
        if (existing) throw new TRPCError({ code: 'CONFLICT', message: `${existing.address} is suppressed already (${existing.reason})` });
        await suppressAddress(db, { orgId: ctx.orgId, address: input.address, reason: 'manual', detail: input.note ? { note: input.note } : {} });
        const [entry] = await findSuppressed(db, ctx.orgId, [input.address]);
        return view(entry!);
      }),

    /** Lifts a suppression: the next send to the address goes out. */
    lift: lift.input(z.strictObject({ address: z.string().trim().min(1).max(320) })).mutation(async ({ ctx, input }) => {
      if (!(await deleteSuppression(db, ctx.orgId, input.address))) throw new TRPCError({ code: 'NOT_FOUND', message: 'this address is not suppressed' });
      return { address: input.address.toLowerCase(), lifted: true };
    }),
  });
}
