import { z } from 'zod';
import { ERROR_STATUS } from '../http/errors.js';
import { batchSendRequest, emailList, emailView, listEmailsQuery, queuedEmail, sendEmailRequest } from '../emails/schemas.js';
import { partnerRequest } from '../partners/index.js';
import { channelCredentialsPatch, channelRequest } from '../channels/routes.js';
import { accountRequest } from '../commerce/routes.js';
import { debriefRequest } from '../partners/debrief-routes.js';
import { customerPatch, listTicketsQuery } from '../helpdesk/routes.js';
import { mergeRequest, noteRequest, savedReplyPatch, savedReplyRequest, startTicketRequest, ticketPatch } from '../helpdesk/actions.js';
import { replyRequest } from '../helpdesk/replies.js';
import { inboundAddressRequest, listInboundQuery } from '../inbound/schemas.js';
import { addSuppressionRequest, listSuppressionsQuery, suppressionView } from '../emails/suppression-schemas.js';

const json = (schema: z.ZodType, io: 'input' | 'output' = 'output') => ({
  'application/json': { schema: z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any' }) },
});

const errorBody = z.object({
  error: z.object({ code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS]), message: z.string(), details: z.unknown().optional() }),
});

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [String(status), { description: 'error', content: json(errorBody) }]));

const security = [{ apiKey: [] }];

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

/** A JSON operation whose request body is a zod schema, answered with `ok` or the listed errors. */
const operation = (summary: string, scope: string, body: z.ZodType | undefined, ok: [string, string], errorStatuses: number[], parameters: object[] = []) => ({
  summary: `${summary} (scope ${scope})`,
  security,
  ...(parameters.length ? { parameters } : {}),
  ...(body ? { requestBody: { required: true, content: json(body, 'input') } } : {}),
  responses: { [ok[0]]: { description: ok[1] }, ...errors(...errorStatuses) },
});

const addressParameter = { name: 'address', in: 'path', required: true, schema: { type: 'string', format: 'email' } };

const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'The same key with the same body within 24 h returns the first answer and sends nothing new; with another body, 409.',
  schema: { type: 'string', maxLength: 255 },
};

function queryParameters(schema: z.ZodObject) {
  const properties = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' }).properties ?? {};
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

/** The OpenAPI document, generated from the same zod schemas the routes validate with. */
export function buildOpenApiDocument() {
  return {
    openapi: '3.0.3',
    info: { title: 'Relay API', version: '1' },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An organization API key (rk_...)' },
        adminKey: { type: 'http', scheme: 'bearer', description: 'RELAY_ADMIN_KEY' },
      },
    },
    paths: {
      '/api/v1/emails': {
        post: {
          summary: 'Send an email (scope send)',
          security,
          parameters: [idempotencyHeader],
          requestBody: { required: true, content: json(sendEmailRequest, 'input') },
          responses: { '202': { description: 'queued', content: json(queuedEmail) }, ...errors(400, 401, 403, 409, 413, 503) },
        },
        get: {
          summary: 'List emails, newest first (scope read)',
          security,
          parameters: queryParameters(listEmailsQuery),
          responses: { '200': { description: 'a page of emails', content: json(emailList) }, ...errors(400, 401, 403) },
        },
      },
      '/api/v1/emails/batch': {
        post: {
          summary: 'Send up to 100 emails; one answer per message (scope send)',
          security,
          parameters: [idempotencyHeader],
          requestBody: { required: true, content: json(batchSendRequest, 'input') },
          responses: {
            '202': { description: 'every message queued' },
            '207': { description: 'some messages queued, the others answered with their error' },
            ...errors(400, 401, 403, 409, 413, 503),
          },
        },
      },
      '/api/v1/emails/{id}': {
        get: {
          summary: 'One email with its event timeline (scope read)',
          security,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '200': { description: 'the email', content: json(emailView) }, ...errors(401, 403, 404) },
        },
      },
      '/api/v1/suppressions': {
        get: {
          summary: "The organization's suppression list, by address (scope read)",
          security,
          parameters: queryParameters(listSuppressionsQuery),
          responses: {
            '200': { description: 'a page', content: json(z.object({ data: z.array(suppressionView), next_cursor: z.string().nullable() })) },
            ...errors(400, 401, 403),
          },
        },
        post: {
          summary: 'Suppress an address by hand (scope send)',
          security,
          requestBody: { required: true, content: json(addSuppressionRequest, 'input') },
          responses: { '201': { description: 'suppressed', content: json(suppressionView) }, ...errors(400, 401, 403) },
        },
      },
      '/api/v1/suppressions/{address}': {
        get: {
          summary: 'One suppression (scope read)',
          security,
          parameters: [addressParameter],
          responses: { '200': { description: 'suppressed', content: json(suppressionView) }, ...errors(401, 403, 404) },
        },
        delete: {
          summary: 'Lift a suppression (scope suppressions)',
          security,
          parameters: [addressParameter],
          responses: { '204': { description: 'lifted' }, ...errors(401, 403, 404) },
        },
      },
      '/api/v1/inbound': {
        get: {
          ...operation("The organization's inbound mail, archive included", 'read', undefined, ['200', 'a page'], [400, 401, 403]),
          parameters: queryParameters(listInboundQuery),
        },
      },
      '/api/v1/inbound/{id}': {
        get: operation('One inbound message with its routing attempts', 'read', undefined, ['200', 'the message'], [401, 403, 404], [idParameter]),
      },
      '/api/v1/inbound/{id}/replay': {
        post: operation('Route an archived inbound message again', 'send', undefined, ['202', 'replaying'], [401, 403, 404, 409], [idParameter]),
      },
      '/api/v1/inbound-addresses': {
        get: operation("The organization's support addresses", 'admin', undefined, ['200', 'the list'], [401, 403]),
        post: operation('Add a support address', 'admin', inboundAddressRequest, ['201', 'added'], [400, 401, 403, 409]),
      },
      '/api/v1/tickets': {
        get: {
          ...operation('Helpdesk tickets, newest activity first (merged ones left out)', 'read', undefined, ['200', 'a page'], [400, 401, 403]),
          parameters: queryParameters(listTicketsQuery),
        },
        post: {
          ...operation(
            'Start a ticket with a first message to the customer by email or SMS',
            'helpdesk',
            startTicketRequest,
            ['201', 'the ticket'],
            [400, 401, 403, 409, 422, 503],
            [
              {
                ...idempotencyHeader,
                description: 'The same key with the same request returns the first ticket and sends nothing new; with another request, 409.',
              },
            ],
          ),
        },
      },
      '/api/v1/tickets/{id}/notes': {
        post: operation(
          'Add a private note (never sent; conversation.created with private: true)',
          'helpdesk',
          noteRequest,
          ['201', 'the note'],
          [400, 401, 403, 404],
          [idParameter],
        ),
      },
      '/api/v1/tickets/{id}/merge': {
        post: operation(
          'Merge this ticket into another: the conversation moves, this one is closed and points there',
          'helpdesk',
          mergeRequest,
          ['200', 'the ticket merged into'],
          [400, 401, 403, 404, 409],
          [idParameter],
        ),
      },
      '/api/v1/saved-replies': {
        get: operation("The organization's saved replies", 'read', undefined, ['200', 'the list'], [401, 403]),
        post: operation('Add a saved reply', 'helpdesk', savedReplyRequest, ['201', 'added'], [400, 401, 403, 409]),
      },
      '/api/v1/saved-replies/{id}': {
        patch: operation('Change a saved reply', 'helpdesk', savedReplyPatch, ['200', 'changed'], [400, 401, 403, 404, 409], [idParameter]),
        delete: operation('Delete a saved reply', 'helpdesk', undefined, ['204', 'deleted'], [401, 403, 404], [idParameter]),
      },
      '/api/v1/tickets/{id}': {
        get: operation('A helpdesk ticket with its conversation', 'read', undefined, ['200', 'the ticket'], [401, 403, 404], [idParameter]),
        patch: operation(
          'Change a ticket: subject, status, priority, assignee (a user id or email of the organization), tags (emits the matching webhook events once)',
          'helpdesk',
          ticketPatch,
          ['200', 'the ticket'],
          [400, 401, 403, 404],
          [idParameter],
        ),
      },
      '/api/v1/tickets/{id}/replies': {
        post: {
          ...operation(
            'Answer the customer: on the channel of their last message unless `channel` says otherwise; sent by workflow reply-<id>',
            'helpdesk',
            replyRequest,
            ['202', 'the reply, queued'],
            [400, 401, 403, 404, 409, 413, 422, 503],
            [
              idParameter,
              {
                ...idempotencyHeader,
                description:
                  'The same key with the same request returns the first reply and sends nothing new (kept with the reply); with another request, 409.',
              },
            ],
          ),
        },
      },
      '/api/v1/tickets/{id}/replies/{replyId}': {
        get: operation(
          "A reply's status: queued, sent, delivered (where the provider reports it) or failed with the reason",
          'read',
          undefined,
          ['200', 'the reply'],
          [401, 403, 404],
          [idParameter, { name: 'replyId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        ),
      },
      '/api/v1/customers/{id}': {
        get: operation('A helpdesk customer', 'read', undefined, ['200', 'the customer'], [401, 403, 404], [idParameter]),
        patch: operation(
          'Change a customer (emits customer.updated)',
          'helpdesk',
          customerPatch,
          ['200', 'the customer'],
          [400, 401, 403, 404, 409],
          [idParameter],
        ),
      },
      '/api/v1/channels': {
        get: operation("The organization's messaging channels (no secrets)", 'admin', undefined, ['200', 'the list'], [401, 403]),
        post: operation(
          'Connect a messaging channel; its secret and sending credentials are sealed',
          'admin',
          channelRequest,
          ['201', 'connected'],
          [400, 401, 403, 409],
        ),
      },
      '/api/v1/channels/{id}': {
        patch: operation(
          "Add or replace a channel's sending credentials (sealed, never returned)",
          'admin',
          channelCredentialsPatch,
          ['200', 'the channel'],
          [400, 401, 403, 404],
          [idParameter],
        ),
      },
      '/api/v1/commerce/accounts': {
        post: operation(
          'Connect a Shopify shop, a Stripe Connect account or an Amazon seller',
          'admin',
          accountRequest,
          ['201', 'connected'],
          [400, 401, 403, 409],
        ),
      },
      '/api/v1/debriefs': {
        post: operation(
          "Deliver a user's debrief actions to each of the user's partner connections",
          'debriefs',
          debriefRequest,
          ['202', 'deliveries started'],
          [400, 401, 403, 404],
        ),
      },
      '/api/admin/partners': {
        post: {
          ...operation(
            'Register a RelayIt partner; its three credentials are in this answer only',
            'RELAY_ADMIN_KEY',
            partnerRequest,
            ['201', 'the credentials'],
            [400, 401],
          ),
          security: [{ adminKey: [] }],
        },
      },
      '/api/webhooks/ses': {
        post: {
          summary: "SNS subscription endpoint for the SES configuration set's event destination (SNS-signed, text/plain JSON)",
          responses: { '200': { description: 'stored; processed by workflow ses-event-<MessageId>' }, ...errors(401, 413) },
        },
      },
      '/healthz': { get: { summary: 'The process is up', responses: { '200': { description: 'ok' } } } },
      '/readyz': {
        get: { summary: 'PostgreSQL and Temporal are reachable', responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
    },
  };
}
