import { Router } from 'express';
import { z } from 'zod';
import { emailAddress } from '../http/email-address.js';
import type { Db } from '../db/database.js';
import { recordWebhookEvents } from '../webhooks/index.js';
import { customerEmailTaken, findCustomer, findTicket, listConversation, listTickets, updateCustomer, updateTicket } from './repository.js';
import { TICKET_PRIORITIES, TICKET_STATUSES, type Customer, type Ticket } from '../db/tables/helpdesk.js';
import { customerData, ticketData } from './events.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import type { Logger } from '../observability/logger.js';

export const ticketPatch = z
  .strictObject({
    subject: z.string().trim().min(1).max(998).optional(),
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    assignee: z.string().trim().min(1).max(320).nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'change at least one field')
  .meta({ minProperties: 1 });

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

/**
 * Relay's own helpdesk objects, read and changed over REST. Every change records its
 * webhook events in the same transaction and then fans them out, each event once.
 */
export function helpdeskRoutes(deps: { db: Db; workflows: WorkflowStarter; apiKeys: ApiKeyLookup; logger: Logger }): Router {
  const { db, apiKeys } = deps;

  /**
   * The change and its events are committed: a fan-out Temporal did not take now is left
   * to the sweep (an event not fanned out is started within minutes), never lost, and the
   * caller's change stands.
   */
  async function fanOut(orgId: string, eventIds: string[]): Promise<void> {
    try {
      await Promise.all(eventIds.map((eventId) => deps.workflows.startWebhookFanOut({ eventId, orgId })));
    } catch (error) {
      deps.logger.warn(
        { orgId, eventIds, error: error instanceof Error ? error.message : String(error) },
        'webhook fan-out not started; the sweep will start it',
      );
    }
  }
  const router = Router();

  const ticketView = async (orgId: string, ticket: Ticket) => {
    const customer = ticket.customer_id ? await findCustomer(db, orgId, ticket.customer_id) : undefined;
    const messages = await listConversation(db, orgId, ticket.id);
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
      conversation: messages.map((message) => ({ ...message, created_at: message.created_at.toISOString() })),
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
    await fanOut(orgId, outcome.eventIds);
    res.json(await ticketView(orgId, outcome.ticket));
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
    await fanOut(orgId, outcome.eventIds);
    res.json(customerView(outcome.customer));
  });

  return router;
}
