import { z } from 'zod';
import { findOrgUser } from '../auth/repository.js';
import type { Db, DbOrTrx } from '../db/database.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, type SavedReply, type Ticket, type TicketReply } from '../db/tables/helpdesk.js';
import { ApiError } from '../http/errors.js';
import type { Logger } from '../observability/logger.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { recordWebhookEvents } from '../webhooks/index.js';
import { conversationData, customerData, ticketData } from './events.js';
import { fanOut } from './fan-out.js';
import { dispatchReply, findRepeatedReply, isKeyRace, requestHashOf, writeReply, type ReplyAuthor } from './replies.js';
import {
  addConversationMessage,
  createTicket,
  findCustomer,
  findOrCreateCustomerByEmail,
  findOrCreateCustomerByIdentity,
  findTicket,
  moveConversation,
  updateTicket,
  type TicketChange,
} from './repository.js';
import { createSavedReply, deleteSavedReply, updateSavedReply } from './saved-reply-repository.js';

/**
 * What agents do to tickets, for the REST API and the dashboard alike: each change and the
 * webhook events it raises commit together, and the events are then fanned out once.
 */
export interface ActionDeps {
  db: Db;
  workflows: WorkflowStarter;
  logger: Logger;
}

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(50)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.:/-]*$/u, 'letters, digits, spaces and _ . : / -');

export const ticketPatch = z
  .strictObject({
    subject: z.string().trim().min(1).max(998).optional(),
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    /** A person of the organization (Relay user id or email), or null to unassign. */
    assignee: z.string().trim().min(1).max(320).nullable().optional(),
    /** The ticket's whole tag list (lower-cased, at most 20). */
    tags: z
      .array(tag)
      .max(20)
      .transform((tags) => [...new Set(tags)].sort())
      .optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'change at least one field')
  .meta({ minProperties: 1 });
export type TicketPatch = z.infer<typeof ticketPatch>;

export const noteRequest = z.strictObject({ body: z.string().trim().min(1, 'write something').max(100_000) });

export const mergeRequest = z.strictObject({ into: z.uuid() });

const phoneNumber = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164 (+15551234567)');

/** A conversation an agent starts: the first message goes out by email or SMS. */
export const startTicketRequest = z.discriminatedUnion('channel', [
  z.strictObject({
    channel: z.literal('email'),
    to: z.email({ pattern: z.regexes.html5Email }).max(320),
    name: z.string().trim().min(1).max(200).optional(),
    subject: z.string().trim().min(1).max(998),
    body: z.string().trim().min(1, 'write something').max(100_000),
  }),
  z.strictObject({
    channel: z.enum(['sms', 'twilio']),
    to: phoneNumber,
    name: z.string().trim().min(1).max(200).optional(),
    subject: z.string().trim().min(1).max(998).optional(),
    body: z.string().trim().min(1, 'write something').max(1600),
  }),
]);
export type StartTicketRequest = z.infer<typeof startTicketRequest>;

export const savedReplyRequest = z.strictObject({ name: z.string().trim().min(1).max(100), body: z.string().trim().min(1).max(20_000) });
export const savedReplyPatch = savedReplyRequest
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'change at least one field')
  .meta({ minProperties: 1 });

async function assigneeId(db: DbOrTrx, orgId: string, value: string | null | undefined): Promise<string | null | undefined> {
  if (value === undefined || value === null) return value;
  const user = await findOrgUser(db, orgId, value);
  if (!user) {
    throw new ApiError('validation_failed', 'the assignee must be a person of this organization (a user id or the email they sign in with)', [
      { path: 'assignee', message: 'not a user of this organization' },
    ]);
  }
  return user.id;
}

/** Events of a ticket change: ticket.updated with what changed, plus the specific event of each kind of change. */
function changeEvents(before: Ticket, ticket: Ticket, changed: (keyof TicketPatch)[], data: Record<string, unknown>) {
  const changes = Object.fromEntries(changed.map((field) => [field, { from: before[field], to: ticket[field] }]));
  return [
    { type: 'ticket.updated', data: { ...data, changes } },
    ...(changed.includes('status') ? [{ type: 'ticket.status_changed', data: { ...data, previousStatus: before.status } }] : []),
    ...(changed.includes('assignee') ? [{ type: 'ticket.assigned', data: { ...data, previousAssignee: before.assignee } }] : []),
    ...(changed.includes('priority') ? [{ type: 'ticket.priority_changed', data: { ...data, previousPriority: before.priority } }] : []),
  ];
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Subject, status, priority, assignee, tags: only what really changes is written and announced. */
export async function changeTicket(deps: ActionDeps, orgId: string, ticketId: string, patch: TicketPatch): Promise<Ticket> {
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const before = await findTicket(trx, orgId, ticketId, { forUpdate: true });
    if (!before) throw new ApiError('not_found', 'no such ticket');
    const change: TicketChange = { ...patch, assignee: await assigneeId(trx, orgId, patch.assignee) };
    const changed = (Object.keys(patch) as (keyof TicketPatch)[]).filter((field) => change[field] !== undefined && !sameValue(change[field], before[field]));
    if (changed.length === 0) return { ticket: before, eventIds: [] };
    const ticket = await updateTicket(trx, before.id, Object.fromEntries(changed.map((field) => [field, change[field]])));
    const customer = ticket.customer_id ? await findCustomer(trx, orgId, ticket.customer_id) : undefined;
    const eventIds = await recordWebhookEvents(trx, orgId, changeEvents(before, ticket, changed, ticketData(ticket, customer)));
    return { ticket, eventIds };
  });
  await fanOut(deps, orgId, outcome.eventIds);
  return outcome.ticket;
}

/** A private note in the conversation: never sent to the customer; announced as conversation.created with private: true. */
export async function addNote(deps: ActionDeps, orgId: string, ticketId: string, body: string, author: ReplyAuthor) {
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const ticket = await findTicket(trx, orgId, ticketId, { forUpdate: true });
    if (!ticket) throw new ApiError('not_found', 'no such ticket');
    const note = await addConversationMessage(trx, {
      orgId,
      ticketId: ticket.id,
      direction: 'note',
      channel: 'note',
      authorUserId: author.userId,
      fromAddress: null,
      subject: null,
      text: body,
      html: null,
      messageId: null,
      inboundId: null,
    });
    const eventIds = await recordWebhookEvents(trx, orgId, [{ type: 'conversation.created', data: conversationData(note, ticket) }], note.id);
    return { note, eventIds };
  });
  await fanOut(deps, orgId, outcome.eventIds);
  return outcome.note;
}

/**
 * Merges `sourceId` into `targetId`: the whole conversation moves, the source is closed and
 * points at the target, so its number, its channel thread and answers to its mail lead there.
 */
export async function mergeTickets(deps: ActionDeps, orgId: string, sourceId: string, targetId: string): Promise<Ticket> {
  if (sourceId === targetId) throw new ApiError('validation_failed', 'a ticket cannot be merged into itself');
  const outcome = await deps.db.transaction().execute(async (trx) => {
    // Locked in a fixed order, so two merges of the same pair cannot deadlock.
    const [first, second] = [sourceId, targetId].sort();
    const locked = new Map<string, Ticket | undefined>([
      [first!, await findTicket(trx, orgId, first!, { forUpdate: true })],
      [second!, await findTicket(trx, orgId, second!, { forUpdate: true })],
    ]);
    const source = locked.get(sourceId);
    const target = locked.get(targetId);
    if (!source) throw new ApiError('not_found', 'no such ticket');
    if (!target) throw new ApiError('not_found', 'no such ticket to merge into');
    if (source.merged_into) throw new ApiError('conflict', `this ticket was already merged into another`);
    if (target.merged_into) throw new ApiError('conflict', 'the ticket to merge into was itself merged into another; merge into that one');
    const moved = await moveConversation(trx, orgId, source.id, target.id);
    const closed = await updateTicket(trx, source.id, { status: 'closed', mergedInto: target.id });
    const [sourceCustomer, targetCustomer] = await Promise.all([
      source.customer_id ? findCustomer(trx, orgId, source.customer_id) : undefined,
      target.customer_id ? findCustomer(trx, orgId, target.customer_id) : undefined,
    ]);
    const merged = await updateTicket(trx, target.id, {});
    const mergedInto = { mergedInto: { ticketId: target.id, ticketNumber: target.number } };
    const eventIds = await recordWebhookEvents(trx, orgId, [
      { type: 'ticket.updated', data: { ...ticketData(closed, sourceCustomer), ...mergedInto, changes: { status: { from: source.status, to: 'closed' } } } },
      ...(source.status !== 'closed'
        ? [{ type: 'ticket.status_changed', data: { ...ticketData(closed, sourceCustomer), ...mergedInto, previousStatus: source.status } }]
        : []),
      {
        type: 'ticket.updated',
        data: { ...ticketData(merged, targetCustomer), changes: { merged: { ticketId: source.id, ticketNumber: source.number, messages: moved } } },
      },
    ]);
    return { merged, eventIds };
  });
  await fanOut(deps, orgId, outcome.eventIds);
  return outcome.merged;
}

/**
 * A ticket an agent opens with a first message out, by email or SMS: the customer (found
 * or created), the ticket (an SMS ticket is the thread of that number, so the answer comes
 * back to it) and the reply, in one transaction; the reply then goes out as any other.
 */
export async function startTicket(
  deps: ActionDeps,
  orgId: string,
  request: StartTicketRequest,
  options: { author: ReplyAuthor; idempotencyKey?: string; now?: number },
): Promise<{ ticket: Ticket; reply: TicketReply; repeated: boolean }> {
  const requestHash = options.idempotencyKey ? requestHashOf('start-ticket', request) : null;
  const repeat = async () => {
    const earlier = await findRepeatedReply(deps.db, orgId, options.idempotencyKey, requestHash);
    if (!earlier) return undefined;
    await deps.workflows.startReply({ orgId, replyId: earlier.id, channel: earlier.channel });
    return { ticket: (await findTicket(deps.db, orgId, earlier.ticket_id))!, reply: earlier, repeated: true };
  };
  const earlier = await repeat();
  if (earlier) return earlier;

  const sms = request.channel !== 'email';
  let written;
  try {
    written = await deps.db.transaction().execute(async (trx) => {
      const found = sms
        ? await findOrCreateCustomerByIdentity(trx, { orgId, channelType: 'twilio', identity: request.to, name: request.name ?? null, phone: request.to })
        : await findOrCreateCustomerByEmail(trx, orgId, request.to, request.name ?? null);
      const ticket = await createTicket(trx, {
        orgId,
        subject: request.subject ?? `SMS to ${request.name ?? request.to}`,
        customerId: found.customer.id,
        channel: sms ? 'twilio' : 'email',
        ...(sms ? { threadKey: request.to } : {}),
      });
      const opened = await recordWebhookEvents(trx, orgId, [
        ...(found.created ? [{ type: 'customer.created', data: customerData(found.customer) }] : []),
        { type: 'ticket.created', data: ticketData(ticket, found.customer) },
      ]);
      const reply = await writeReply(
        trx,
        orgId,
        ticket,
        { body: request.body, channel: sms ? 'twilio' : 'email' },
        { author: options.author, idempotencyKey: options.idempotencyKey, requestHash, now: options.now ?? Date.now() },
      );
      return { ticket, reply: reply.reply, eventIds: [...opened, ...reply.eventIds] };
    });
  } catch (error) {
    const concurrent = options.idempotencyKey && isKeyRace(error) ? await repeat() : undefined;
    if (concurrent) return concurrent;
    throw error;
  }
  await dispatchReply(deps, orgId, { reply: written.reply, eventIds: written.eventIds });
  return { ticket: written.ticket, reply: written.reply, repeated: false };
}

export async function addSavedReply(db: DbOrTrx, orgId: string, request: z.infer<typeof savedReplyRequest>): Promise<SavedReply> {
  const created = await createSavedReply(db, orgId, request);
  if (!created) throw new ApiError('conflict', `a saved reply named "${request.name}" exists already`);
  return created;
}

export async function changeSavedReply(db: DbOrTrx, orgId: string, id: string, patch: z.infer<typeof savedReplyPatch>): Promise<SavedReply> {
  let updated;
  try {
    updated = await updateSavedReply(db, orgId, id, patch);
  } catch (error) {
    if (isKeyRace(error)) throw new ApiError('conflict', `a saved reply named "${patch.name}" exists already`);
    throw error;
  }
  if (!updated) throw new ApiError('not_found', 'no such saved reply');
  return updated;
}

export async function removeSavedReply(db: DbOrTrx, orgId: string, id: string): Promise<void> {
  if (!(await deleteSavedReply(db, orgId, id))) throw new ApiError('not_found', 'no such saved reply');
}
