import { TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { z } from 'zod';
import { scopedProcedure, t, type Caller } from '../auth/trpc.js';
import type { Db } from '../db/database.js';
import { TICKET_CHANNELS, TICKET_STATUSES } from '../db/tables/helpdesk.js';
import { ApiError } from '../http/errors.js';
import { keysetPageInput } from '../http/pagination.js';
import type { Logger } from '../observability/logger.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { listOrgUsers } from '../auth/repository.js';
import {
  addNote,
  addSavedReply,
  changeSavedReply,
  changeTicket,
  mergeTickets,
  noteRequest,
  removeSavedReply,
  savedReplyPatch,
  savedReplyRequest,
  startTicket,
  startTicketRequest,
  ticketPatch,
} from './actions.js';
import { createReply, replyRequest } from './replies.js';
import { countInboxViews, findTicket, findTicketByNumber, listTicketTags } from './repository.js';
import { listSavedReplies } from './saved-reply-repository.js';
import { replyView } from './views.js';
import { customerOrders, customerPanel, INBOX_VIEWS, ticketDetail, ticketPage, viewFilter } from './workspace.js';

export interface HelpdeskRouterDeps {
  db: Db;
  workflows: WorkflowStarter;
  logger: Logger;
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
const read = scopedProcedure('read', 'Viewer');
const work = scopedProcedure('helpdesk', 'Member');

const id = z.uuid();
const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/);
const page = keysetPageInput();
const userIdOf = (caller: Caller) => (caller.kind === 'user' ? caller.userId : null);
const notFound = (what: string) => new TRPCError({ code: 'NOT_FOUND', message: `no such ${what}` });
const savedReplyView = (reply: { id: string; name: string; body: string; updated_at: Date }) => ({
  id: reply.id,
  name: reply.name,
  body: reply.body,
  updatedAt: reply.updated_at.toISOString(),
});

export function createHelpdeskRouter(deps: HelpdeskRouterDeps) {
  const { db } = deps;
  const detail = async (orgId: string, ticketId: string) => {
    const ticket = await findTicket(db, orgId, ticketId);
    if (!ticket) throw notFound('ticket');
    return ticketDetail(db, orgId, ticket, Date.now());
  };

  /** The inbox's filters across its views, shared by the list and its counts. */
  const inboxMatch = {
    search: z.string().trim().max(200).optional(),
    tag: z.string().trim().toLowerCase().max(50).optional(),
    channel: z.enum(TICKET_CHANNELS).optional(),
  };

  return t.router({
    /** One view of the inbox (mine, unassigned, open, pending, all), searched and filtered by status, assignee, tag and channel, a keyset page at a time. */
    inbox: read
      .input(
        z.strictObject({
          view: z.enum(INBOX_VIEWS).default('all'),
          ...inboxMatch,
          /** A status or an agent picked beside the view: they take the place of the view's own. */
          status: z.enum(TICKET_STATUSES).optional(),
          assignee: z.uuid().optional(),
          ...page,
        }),
      )
      .query(({ ctx, input }) =>
        answering(() =>
          ticketPage(
            db,
            ctx.orgId,
            {
              ...viewFilter(input.view, userIdOf(ctx.caller)),
              ...(input.status && { status: input.status }),
              ...(input.assignee && { assignee: input.assignee }),
              search: input.search || undefined,
              tag: input.tag || undefined,
              channel: input.channel,
            },
            input,
          ),
        ),
      ),

    /** The tags in use, for the inbox's tag filter. */
    tags: read.query(({ ctx }) => listTicketTags(db, ctx.orgId)),

    /** How many tickets each view holds, under the inbox's search, tag and channel filters. */
    counts: read
      .input(z.strictObject(inboxMatch).optional())
      .query(({ ctx, input }) =>
        countInboxViews(db, ctx.orgId, userIdOf(ctx.caller), { search: input?.search || undefined, tag: input?.tag || undefined, channel: input?.channel }),
      ),

    ticket: read.input(z.strictObject({ id })).query(({ ctx, input }) => detail(ctx.orgId, input.id)),

    customer: read.input(z.strictObject({ id })).query(async ({ ctx, input }) => {
      const panel = await customerPanel(db, ctx.orgId, input.id);
      if (!panel) throw notFound('customer');
      return panel;
    }),

    customerTickets: read
      .input(z.strictObject({ customerId: id, exceptTicketId: id.optional(), ...page }))
      .query(({ ctx, input }) => answering(() => ticketPage(db, ctx.orgId, { customerId: input.customerId, exceptTicketId: input.exceptTicketId }, input))),

    customerOrders: read
      .input(z.strictObject({ customerId: id, ...page }))
      .query(({ ctx, input }) => answering(() => customerOrders(db, ctx.orgId, input.customerId, input))),

    /** The organization's people: who tickets can be assigned to. */
    agents: read.query(async ({ ctx }) => listOrgUsers(db, ctx.orgId)),

    savedReplies: read.query(async ({ ctx }) => (await listSavedReplies(db, ctx.orgId)).map(savedReplyView)),

    addSavedReply: work.input(savedReplyRequest).mutation(({ ctx, input }) => answering(async () => savedReplyView(await addSavedReply(db, ctx.orgId, input)))),

    changeSavedReply: work
      .input(z.strictObject({ id, change: savedReplyPatch }))
      .mutation(({ ctx, input }) => answering(async () => savedReplyView(await changeSavedReply(db, ctx.orgId, input.id, input.change)))),

    deleteSavedReply: work.input(z.strictObject({ id })).mutation(({ ctx, input }) =>
      answering(async () => {
        await removeSavedReply(db, ctx.orgId, input.id);
        return { id: input.id, deleted: true };
      }),
    ),

    /** Status, priority, assignee, tags, subject; answers the ticket as the page shows it. */
    update: work.input(z.strictObject({ id, change: ticketPatch })).mutation(({ ctx, input }) =>
      answering(async () => {
        await changeTicket(deps, ctx.orgId, input.id, input.change);
        return detail(ctx.orgId, input.id);
      }),
    ),

    note: work.input(noteRequest.extend({ ticketId: id })).mutation(({ ctx, input }) =>
      answering(async () => {
        const note = await addNote(deps, ctx.orgId, input.ticketId, input.body, authorOf(ctx.caller));
        return { id: note.id };
      }),
    ),

    /** Merges this ticket into the one numbered `intoNumber`. */
    merge: work.input(z.strictObject({ id, intoNumber: z.number().int().min(1) })).mutation(({ ctx, input }) =>
      answering(async () => {
        const into = await findTicketByNumber(db, ctx.orgId, input.intoNumber);
        if (!into) throw new ApiError('not_found', `there is no ticket #${input.intoNumber}`);
        const merged = await mergeTickets(deps, ctx.orgId, input.id, into.id);
        return { id: merged.id, number: merged.number };
      }),
    ),

    /** A new ticket with a first message to the customer by email or SMS. */
    start: work.input(z.strictObject({ request: startTicketRequest, idempotencyKey })).mutation(({ ctx, input }) =>
      answering(async () => {
        const started = await startTicket(deps, ctx.orgId, input.request, { author: authorOf(ctx.caller), idempotencyKey: input.idempotencyKey });
        return { id: started.ticket.id, number: started.ticket.number };
      }),
    ),

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
