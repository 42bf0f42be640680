import { z } from 'zod';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../db/tables/helpdesk.js';
import { DOMAIN_STATUSES } from '../db/tables/domains.js';
import { TEST_EVENT_TYPE, type WebhookEventType } from '../db/tables/webhooks.js';

/**
 * The catalogue of outgoing webhook events: each payload as a zod schema (the source of
 * GET /api/v1/webhook-event-types, the OpenAPI document's `webhooks` and the SDK's
 * types) with an example. The e2e tests parse every delivered event with these schemas.
 */

const change = <T extends z.ZodType>(value: T) => z.object({ from: value, to: value });

const ticket = z.object({
  ticketId: z.uuid(),
  ticketNumber: z.int().positive(),
  subject: z.string(),
  status: z.enum(TICKET_STATUSES),
  priority: z.enum(TICKET_PRIORITIES),
  assignee: z.string().nullable().describe('who the ticket is assigned to, if anyone'),
  customerId: z.uuid().nullable(),
  customerEmail: z.string().nullable(),
});

const customer = z.object({
  customerId: z.uuid(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
});

const conversation = z.object({
  conversationId: z.uuid(),
  ticketId: z.uuid(),
  ticketNumber: z.int().positive(),
  direction: z.enum(['inbound', 'outbound', 'note']),
  private: z.boolean().describe('a private note: for the team, never sent to the customer'),
  authorUserId: z.uuid().nullable().describe('the agent who wrote it, for replies and notes'),
  channel: z.string().describe('email, sms, whatsapp, messenger, dialpad, slack, …'),
  from: z.string().nullable(),
  subject: z.string().nullable(),
  text: z.string().nullable(),
  createdAt: z.iso.datetime(),
});

const ticketChanges = z
  .object({
    subject: change(z.string()).optional(),
    status: change(z.enum(TICKET_STATUSES)).optional(),
    priority: change(z.enum(TICKET_PRIORITIES)).optional(),
    assignee: change(z.string().nullable()).optional(),
  })
  .describe('each changed field, from and to');

const customerChanges = z
  .object({
    email: change(z.string().nullable()).optional(),
    name: change(z.string().nullable()).optional(),
    phone: change(z.string().nullable()).optional(),
  })
  .describe('each changed field, from and to');

const domain = z.object({
  domainId: z.uuid(),
  name: z.string().describe('the sending domain, e.g. mail.acme.example'),
  status: z.enum(DOMAIN_STATUSES),
  verifiedAt: z.iso.datetime().nullable(),
  failedAt: z.iso.datetime().nullable(),
});

const ticketExample = {
  ticketId: '6f1c2a4e-8b1d-4c3e-9a57-2d4f6b8e0c11',
  ticketNumber: 1234,
  subject: 'Need help with the VPN',
  status: 'open',
  priority: 'normal',
  assignee: null,
  customerId: '0b9e7d3a-5c2f-4e81-b6a4-9f3d1c7e5a20',
  customerEmail: 'customer@example.com',
} as const;
const customerExample = { customerId: '0b9e7d3a-5c2f-4e81-b6a4-9f3d1c7e5a20', email: 'customer@example.com', name: 'Jane Client', phone: null } as const;

interface EventType {
  description: string;
  data: z.ZodObject;
  example: Record<string, unknown>;
}

const catalogue: Record<WebhookEventType | typeof TEST_EVENT_TYPE, EventType> = {
  'ticket.created': { description: 'New ticket created', data: ticket, example: ticketExample },
  'ticket.updated': {
    description: 'Ticket fields changed (sent with each change, beside the specific events below)',
    data: ticket.extend({ changes: ticketChanges }),
    example: { ...ticketExample, status: 'pending', changes: { status: { from: 'open', to: 'pending' } } },
  },
  'ticket.status_changed': {
    description: 'Status changed',
    data: ticket.extend({ previousStatus: z.enum(TICKET_STATUSES) }),
    example: { ...ticketExample, status: 'pending', previousStatus: 'open' },
  },
  'ticket.assigned': {
    description: 'Ticket assigned (or unassigned: assignee null)',
    data: ticket.extend({ previousAssignee: z.string().nullable() }),
    example: { ...ticketExample, assignee: 'tech@acme.example', previousAssignee: null },
  },
  'ticket.priority_changed': {
    description: 'Priority changed',
    data: ticket.extend({ previousPriority: z.enum(TICKET_PRIORITIES) }),
    example: { ...ticketExample, priority: 'high', previousPriority: 'normal' },
  },
  'conversation.created': {
    description: 'New message or reply added to a ticket',
    data: conversation,
    example: {
      conversationId: '9d2e4f60-1a3b-4c5d-8e7f-a0b1c2d3e4f5',
      ticketId: ticketExample.ticketId,
      ticketNumber: ticketExample.ticketNumber,
      direction: 'inbound',
      private: false,
      authorUserId: null,
      channel: 'email',
      from: 'customer@example.com',
      subject: 'Need help with the VPN',
      text: 'It is down since this morning.',
      createdAt: '2026-11-29T10:30:00.000Z',
    },
  },
  'customer.created': { description: 'New customer created', data: customer, example: customerExample },
  'customer.updated': {
    description: 'Customer updated',
    data: customer.extend({ changes: customerChanges }),
    example: { ...customerExample, changes: { name: { from: null, to: 'Jane Client' } } },
  },
  'domain.verified': {
    description: 'A sending domain passed verification (its DKIM records are published); mail From it is accepted',
    data: domain,
    example: {
      domainId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
      name: 'mail.acme.example',
      status: 'verified',
      verifiedAt: '2026-11-29T10:30:00.000Z',
      failedAt: null,
    },
  },
  'domain.failed': {
    description: 'A sending domain did not verify within 72 hours (or SES refused it); mail From it stays refused',
    data: domain,
    example: {
      domainId: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
      name: 'mail.acme.example',
      status: 'failed',
      verifiedAt: null,
      failedAt: '2026-12-02T10:30:00.000Z',
    },
  },
  [TEST_EVENT_TYPE]: {
    description: 'Sent by webhooks.test to one webhook, whatever it subscribes to',
    data: z.object({ webhookId: z.uuid(), message: z.string() }),
    example: { webhookId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f', message: 'This is a test event from Relay.' },
  },
};

/** The body every delivery of an event sends: `{event, timestamp, data}` (the seed's format). */
export function webhookPayloadSchema(type: keyof typeof catalogue) {
  return z.object({
    event: z.literal(type),
    timestamp: z.iso.datetime().describe('when the event was raised'),
    data: catalogue[type].data,
  });
}

export const WEBHOOK_EVENT_CATALOGUE = Object.entries(catalogue).map(([type, entry]) => ({
  type: type as keyof typeof catalogue,
  description: entry.description,
  payload: webhookPayloadSchema(type as keyof typeof catalogue),
  example: { event: type, timestamp: '2026-11-29T10:30:00.000Z', data: entry.example },
}));
