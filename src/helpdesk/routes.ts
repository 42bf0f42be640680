import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { recordWebhookEvents } from '../webhooks/index.js';
import { customerEmailTaken, findCustomer, findTicket, listConversation, listTickets, updateCustomer, updateTicket } from './repository.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, type Customer, type Ticket } from '../db/tables/helpdesk.js';
import { customerData, ticketData } from './events.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import { createReply, replyRequest } from './replies.js';
import { findReply, listTicketReplies } from './reply-repository.js';
import { replyView, replyViews } from './views.js';

/** The Idempotency-Key header, when given: 1-255 visible ASCII characters. */
function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) throw new ApiError('validation_failed', 'Idempotency-Key must be 1-255 visible ASCII characters');
  return key;
}

export const ticketPatch = z
  .strictObject({
    subject: z.string().trim().min(1).max(998).optional(),
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    assignee: z.string().trim().min(1).max(320).nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'change at least one field');

export const customerPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(200).nullable().optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ().-]{3,32}$/, 'must be a phone number')
      .nullable()
      .optional(),
    email: z.email({ pattern: z.regexes.html5Email }).max(320).nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'change at least one field');

/**
 * Relay's own helpdesk objects, read and changed over REST. Every change records its
 * webhook events in the same transaction and then fans them out, each event once.
 */
export function helpdeskRoutes(deps: { db: Db; workflows: WorkflowStarter; apiKeys: ApiKeyLookup }): Router {
  const { db, apiKeys } = deps;
  const router = Router();

  const ticketView = async (orgId: string, ticket: Ticket) => {
    const customer = ticket.customer_id ? await findCustomer(db, orgId, ticket.customer_id) : undefined;
    const messages = await listConversation(db, orgId, ticket.id);
    const replies = await replyViews(db, orgId, await listTicketReplies(db, orgId, ticket.id));
    return {
      id: ticket.id,
      number: ticket.number,
      subject: ticket.subject,
      status: ticket.status,
      priority: ticket.priority,
      assignee: ticket.assignee,
      channel: ticket.channel,
      customer: customer ? { id: customer.id, email: customer.email } : null,
      created_at: ticket.created_at.toISOString(),
      updated_at: ticket.updated_at.toISOString(),
      conversation: messages.map((message) => ({ ...message, created_at: message.created_at.toISOString(), reply: replies.get(message.id) ?? null })),
    };
  };

  router.get('/api/v1/tickets', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const { status, limit } = parseOr400(
      z.strictObject({ status: z.enum(TICKET_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(100).default(25) }),
      req.query,
      'query',
    );
    const rows = await listTickets(db, orgId, { status, limit });
    res.json({
      data: rows.map((ticket) => ({
        id: ticket.id,
        number: ticket.number,
        subject: ticket.subject,
        status: ticket.status,
        priority: ticket.priority,
        assignee: ticket.assignee,
      })),
    });
  });

  router.get('/api/v1/tickets/:id', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const id = req.params.id as string;
    const ticket = await findTicket(db, orgId, id);
    if (!ticket) throw new ApiError('not_found', 'no such ticket');
    res.json(await ticketView(orgId, ticket));
  });

  router.patch('/api/v1/tickets/:id', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    const id = req.params.id as string;
    const patch = parseOr400(ticketPatch, req.body, 'ticket change');
    const outcome = await db.transaction().execute(async (trx) => {
      const before = await findTicket(trx, orgId, id, { forUpdate: true });
      if (!before) return undefined;
      const changed = (Object.keys(patch) as (keyof typeof patch)[]).filter((field) => patch[field] !== undefined && patch[field] !== before[field]);
      if (changed.length === 0) return { ticket: before, eventIds: [] };
      const ticket = await updateTicket(trx, id, patch);
      const customer = ticket.customer_id ? await findCustomer(trx, orgId, ticket.customer_id) : undefined;
      const data = ticketData(ticket, customer);
      const changes = Object.fromEntries(changed.map((field) => [field, { from: before[field], to: ticket[field] }]));
      const eventIds = await recordWebhookEvents(trx, orgId, [
        { type: 'ticket.updated', data: { ...data, changes } },
        ...(changed.includes('status') ? [{ type: 'ticket.status_changed', data: { ...data, previousStatus: before.status } }] : []),
        ...(changed.includes('assignee') ? [{ type: 'ticket.assigned', data: { ...data, previousAssignee: before.assignee } }] : []),
        ...(changed.includes('priority') ? [{ type: 'ticket.priority_changed', data: { ...data, previousPriority: before.priority } }] : []),
      ]);
      return { ticket, eventIds };
    });
    if (!outcome) throw new ApiError('not_found', 'no such ticket');
    await Promise.all(outcome.eventIds.map((eventId) => deps.workflows.startWebhookFanOut(eventId)));
    res.json(await ticketView(orgId, outcome.ticket));
  });

  // An agent's answer on the customer's channel (or the one chosen), sent by reply-<id>.
  router.post('/api/v1/tickets/:id/replies', requireApiKey(apiKeys, 'helpdesk'), async (req, res) => {
    const { orgId } = principalOf(req);
    const request = parseOr400(replyRequest, req.body, 'reply');
    const created = await createReply(deps, orgId, req.params.id as string, request, { author: { userId: null }, idempotencyKey: idempotencyKeyOf(req) });
    if (created.repeated) res.set('idempotent-replayed', 'true');
    res.status(202).json(await replyView(db, orgId, created.reply));
  });

  router.get('/api/v1/tickets/:id/replies/:replyId', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const reply = await findReply(db, orgId, req.params.replyId as string);
    if (!reply || reply.ticket_id !== req.params.id) throw new ApiError('not_found', 'no such reply');
    res.json(await replyView(db, orgId, reply));
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
    await Promise.all(outcome.eventIds.map((eventId) => deps.workflows.startWebhookFanOut(eventId)));
    res.json(customerView(outcome.customer));
  });

  return router;
}
