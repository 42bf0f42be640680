import { Router, type Request } from 'express';
import { z } from 'zod';
import { emailAddress } from '../http/email-address.js';
import type { Db } from '../db/database.js';
import { recordWebhookEvents } from '../webhooks/index.js';
import { customerEmailTaken, findCustomer, findTicket, listInboxTickets, updateCustomer } from './repository.js';
import { TICKET_CHANNELS, TICKET_STATUSES, type Customer } from '../db/tables/helpdesk.js';
import { customerData } from './events.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import type { Logger } from '../observability/logger.js';
import { keysetCursorSchema, keysetPage, pageLimitParameter } from '../http/pagination.js';
import { createReply, replyRequest } from './replies.js';
import { findReply } from './reply-repository.js';
import { replyView, ticketView } from './views.js';
import {
  addNote,
  addSavedReply,
  changeSavedReply,
  changeTicket,
  mergeRequest,
  mergeTickets,
  noteRequest,
  removeSavedReply,
  savedReplyPatch,
  savedReplyRequest,
  startTicket,
  startTicketRequest,
  ticketPatch,
} from './actions.js';
import { listSavedReplies } from './saved-reply-repository.js';
import { fanOut } from './fan-out.js';

export const customerPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(200).nullable().optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ().-]{3,32}$/, 'must be a phone number')
      .nullable()
      .optional(),
    email: emailAddress.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'change at least one field')
  .meta({ minProperties: 1 });

export const listTicketsQuery = z.strictObject({
  status: z.enum(TICKET_STATUSES).optional(),
  /** A user id, or `none` for unassigned tickets. */
  assignee: z.string().trim().min(1).max(320).optional(),
  tag: z.string().trim().toLowerCase().min(1).max(50).optional(),
  /** Tickets with a message on this channel (`sms` or `twilio`, `dialpad` for voicemail), named as replies name it. */
  channel: z
    .enum([...TICKET_CHANNELS, 'sms'])
    .transform((channel) => (channel === 'sms' ? 'twilio' : channel))
    .optional(),
  /** Words in the customer's name, email or phone, the subject or the conversation. */
  q: z.string().trim().min(1).max(200).optional(),
  limit: pageLimitParameter,
  cursor: keysetCursorSchema().optional(),
});

/** The Idempotency-Key header, when given: 1-255 visible ASCII characters. */
function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) throw new ApiError('validation_failed', 'Idempotency-Key must be 1-255 visible ASCII characters');
  return key;
}

// Changes made with an API key have no agent behind them.
const API_AUTHOR = { userId: null };

/**
 * Relay's own helpdesk objects, read and changed over REST. Every change records its
 * webhook events in the same transaction and then fans them out, each event once.
 */
export function helpdeskRoutes(deps: { db: Db; workflows: WorkflowStarter; apiKeys: ApiKeyLookup; logger: Logger }): Router {
  const { db, apiKeys } = deps;

  const router = Router();

  router.get('/api/v1/tickets', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const query = parseOr400(listTicketsQuery, req.query, 'query');
    const rows = await listInboxTickets(db, orgId, {
      status: query.status,
      assignee: query.assignee === 'none' ? null : query.assignee,
      tag: query.tag,
      channel: query.channel,
      search: query.q,
      limit: query.limit + 1,
      after: query.cursor,
    });
    const page = keysetPage(
      rows,
      query.limit,
      (ticket) => ({ at: ticket.updated_at, id: ticket.id }),
      (ticket) => ({
        id: ticket.id,
        number: ticket.number,
        subject: ticket.subject,
        status: ticket.status,
        priority: ticket.priority,
        assignee: ticket.assignee,
        channel: ticket.channel,
        tags: ticket.tags,
        customer: ticket.customer_id
          ? { id: ticket.customer_id, name: ticket.customer_name, email: ticket.customer_email, phone: ticket.customer_phone }
          : null,
        updated_at: ticket.updated_at.toISOString(),
      }),
    );
    res.json({ data: page.items, next_cursor: page.nextCursor });
  });

  // A conversation an agent starts: the first message goes out by email or SMS.
  router.post('/api/v1/tickets', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    const request = parseOr400(startTicketRequest, req.body, 'ticket');
    const started = await startTicket(deps, orgId, request, { author: API_AUTHOR, idempotencyKey: idempotencyKeyOf(req) });
    if (started.repeated) res.set('idempotent-replayed', 'true');
    res.status(201).json(await ticketView(db, orgId, started.ticket));
  });

  router.get('/api/v1/tickets/:id', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const ticket = await findTicket(db, orgId, req.params.id as string);
    if (!ticket) throw new ApiError('not_found', 'no such ticket');
    res.json(await ticketView(db, orgId, ticket));
  });

  router.patch('/api/v1/tickets/:id', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    const ticket = await changeTicket(deps, orgId, req.params.id as string, parseOr400(ticketPatch, req.body, 'ticket change'));
    res.json(await ticketView(db, orgId, ticket));
  });

  // An agent's answer on the customer's channel (or the one chosen), sent by reply-<id>.
  router.post('/api/v1/tickets/:id/replies', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    const request = parseOr400(replyRequest, req.body, 'reply');
    const created = await createReply(deps, orgId, req.params.id as string, request, { author: API_AUTHOR, idempotencyKey: idempotencyKeyOf(req) });
    if (created.repeated) res.set('idempotent-replayed', 'true');
    res.status(202).json(await replyView(db, orgId, created.reply));
  });

  router.get('/api/v1/tickets/:id/replies/:replyId', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const reply = await findReply(db, orgId, req.params.replyId as string);
    if (!reply || reply.ticket_id !== req.params.id) throw new ApiError('not_found', 'no such reply');
    res.json(await replyView(db, orgId, reply));
  });

  router.post('/api/v1/tickets/:id/notes', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    const { body } = parseOr400(noteRequest, req.body, 'note');
    const note = await addNote(deps, orgId, req.params.id as string, body, API_AUTHOR);
    res
      .status(201)
      .json({ id: note.id, ticket_id: note.ticket_id, direction: note.direction, body_text: note.body_text, created_at: note.created_at.toISOString() });
  });

  router.post('/api/v1/tickets/:id/merge', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    const { into } = parseOr400(mergeRequest, req.body, 'merge');
    const merged = await mergeTickets(deps, orgId, req.params.id as string, into);
    res.json(await ticketView(db, orgId, merged));
  });

  router.get('/api/v1/saved-replies', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    res.json({ data: (await listSavedReplies(db, orgId)).map(savedReplyView) });
  });

  router.post('/api/v1/saved-replies', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    res.status(201).json(savedReplyView(await addSavedReply(db, orgId, parseOr400(savedReplyRequest, req.body, 'saved reply'))));
  });

  router.patch('/api/v1/saved-replies/:id', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    res.json(savedReplyView(await changeSavedReply(db, orgId, req.params.id as string, parseOr400(savedReplyPatch, req.body, 'saved reply change'))));
  });

  router.delete('/api/v1/saved-replies/:id', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    await removeSavedReply(db, orgId, req.params.id as string);
    res.status(204).end();
  });

  const customerView = (customer: Customer) => ({
    id: customer.id,
    email: customer.email,
    name: customer.name,
    phone: customer.phone,
    created_at: customer.created_at.toISOString(),
    updated_at: customer.updated_at.toISOString(),
  });

  router.get('/api/v1/customers/:id', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const id = req.params.id as string;
    const customer = await findCustomer(db, orgId, id);
    if (!customer) throw new ApiError('not_found', 'no such customer');
    res.json(customerView(customer));
  });

  router.patch('/api/v1/customers/:id', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    const id = req.params.id as string;
    const patch = parseOr400(customerPatch, req.body, 'customer change');
    const outcome = await db.transaction().execute(async (trx) => {
      const before = await findCustomer(trx, orgId, id, { forUpdate: true });
      if (!before) return undefined;
      const changed = (Object.keys(patch) as (keyof typeof patch)[]).filter((field) => patch[field] !== undefined && patch[field] !== before[field]);
      if (changed.length === 0) return { customer: before, eventIds: [] };
      if (patch.email && (await customerEmailTaken(trx, orgId, patch.email, id))) throw new ApiError('conflict', 'another customer has this email');
      const customer = await updateCustomer(trx, id, patch);
      const changes = Object.fromEntries(changed.map((field) => [field, { from: before[field], to: customer[field] }]));
      const eventIds = await recordWebhookEvents(trx, orgId, [{ type: 'customer.updated', data: { ...customerData(customer), changes } }]);
      return { customer, eventIds };
    });
    if (!outcome) throw new ApiError('not_found', 'no such customer');
    await fanOut(deps, orgId, outcome.eventIds);
    res.json(customerView(outcome.customer));
  });

  return router;
}

const savedReplyView = (reply: { id: string; name: string; body: string; updated_at: Date }) => ({
  id: reply.id,
  name: reply.name,
  body: reply.body,
  updated_at: reply.updated_at.toISOString(),
});
