import { TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { z } from 'zod';
import { scopedProcedure, t, type Caller } from '../auth/trpc.js';
import type { Db } from '../db/database.js';
import { ApiError } from '../http/errors.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { createReply, replyRequest } from './replies.js';
import { replyView } from './views.js';

export interface HelpdeskRouterDeps {
  db: Db;
  workflows: WorkflowStarter;
}

/** The REST API's refusals, as tRPC errors with the same message. */
const TRPC_CODES: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'UNPROCESSABLE_CONTENT',
  503: 'SERVICE_UNAVAILABLE',
};

async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) throw new TRPCError({ code: TRPC_CODES[error.status] ?? 'INTERNAL_SERVER_ERROR', message: error.message, cause: error });
    throw error;
  }
}

const authorOf = (caller: Caller) => ({ userId: caller.kind === 'user' ? caller.userId : null });

// Viewers read the helpdesk; Members work it (docs/security.md).
const work = scopedProcedure('helpdesk', 'Member');

export function createHelpdeskRouter(deps: HelpdeskRouterDeps) {
  return t.router({
    /** POST /api/v1/tickets/:id/replies for the dashboard: the key makes a double click or a retry send once. */
    reply: work.input(replyRequest.extend({ ticketId: z.uuid(), idempotencyKey: z.string().regex(/^[\x21-\x7e]{1,255}$/) })).mutation(({ ctx, input }) =>
      answering(async () => {
        const { ticketId, idempotencyKey, ...request } = input;
        const created = await createReply(deps, ctx.orgId, ticketId, request, { author: authorOf(ctx.caller), idempotencyKey });
        return replyView(deps.db, ctx.orgId, created.reply);
      }),
    ),
  });
}
