import { z } from 'zod';
import { ERROR_STATUS } from '../http/errors.js';
import { batchSendRequest, emailList, emailView, listEmailsQuery, queuedEmail, sendEmailRequest } from '../emails/schemas.js';
import { partnerRequest } from '../partners/index.js';
import { channelCredentialsPatch, channelRequest } from '../channels/connect.js';
import { createApiKeyRequest, listApiKeysQuery } from '../auth/api-key-routes.js';
import { accountRequest } from '../commerce/routes.js';
import { shopifyConnectRequest } from '../commerce/connect-routes.js';
import { addDomainRequest, listDomainsQuery } from '../domains/routes.js';
import { organizationLimitsChange } from '../usage/limit-routes.js';
import { debriefRequest } from '../partners/debrief-routes.js';
import { customerPatch, listTicketsQuery } from '../helpdesk/routes.js';
import { mergeRequest, noteRequest, savedReplyPatch, savedReplyRequest, startTicketRequest, ticketPatch } from '../helpdesk/actions.js';
import { replyRequest } from '../helpdesk/replies.js';
import { inboundAddressRequest, listInboundQuery } from '../inbound/schemas.js';
import { addSuppressionRequest, listSuppressionsQuery, suppressionView } from '../emails/suppression-schemas.js';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { WEBHOOK_EVENT_CATALOGUE } from '../webhooks/event-types.js';
import { webhookProcedures } from '../webhooks/schemas.js';

/** A zod schema as an OpenAPI 3.1 schema: JSON Schema 2020-12, the dialect 3.1 speaks (without its `$schema` line). */
function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output') {
  const jsonSchema = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' });
  delete jsonSchema.$schema;
  return jsonSchema;
}

const json = (schema: z.ZodType, io: 'input' | 'output' = 'output') => ({ 'application/json': { schema: schemaOf(schema, io) } });

const errorBody = z.object({
  error: z.object({ code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS]), message: z.string(), details: z.unknown().optional() }),
});

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: 'error', content: { 'application/json': { schema: ref('Error') } } }]));

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

const keyIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^rk_[0-9a-f]{16}$' } };

const addressParameter = { name: 'address', in: 'path', required: true, schema: { type: 'string', format: 'email' } };

const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'The same key with the same body within 24 h returns the first answer and sends nothing new; with another body, 409.',
  schema: { type: 'string', pattern: '^[!-~]{1,255}$' },
};

function queryParameters(schema: z.ZodObject) {
  const properties = schemaOf(schema, 'input').properties ?? {};
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

/** The OpenAPI document, generated from the same zod schemas the routes validate with. */
export function buildOpenApiDocument() {
  return {
    openapi: '3.1.0',
    info: { title: 'Relay API', version: '1' },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An organization API key (rk_...)' },
        adminKey: { type: 'http', scheme: 'bearer', description: 'RELAY_ADMIN_KEY' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'A dashboard session from Hub sign-in' },
        partnerToken: { type: 'http', scheme: 'bearer', description: "A RelayIt partner's token for one user (ptok_...)" },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
      },
      schemas: { Error: schemaOf(errorBody), TrpcError: schemaOf(trpcErrorBody), ...webhookProcedureSchemas() },
    },
    paths: {
      ...webhookProcedurePaths(),
      ...oauthPaths(),
      '/api/v1/webhook-event-types': {
        get: {
          summary: 'Every outgoing webhook event, with its payload as JSON Schema and an example (public)',
          responses: {
            '200': {
              description: 'the catalogue',
              content: json(
                z.object({
                  data: z.array(z.object({ type: z.string(), description: z.string(), schema: z.record(z.string(), z.unknown()), example: z.unknown() })),
                }),
              ),
            },
          },
        },
      },
      '/api/v1/emails': {
        post: {
          summary: 'Send an email (scope send)',
          security,
          parameters: [idempotencyHeader],
          requestBody: { required: true, content: json(sendEmailRequest, 'input') },
          responses: { '202': { description: 'queued', content: json(queuedEmail) }, ...errors(400, 401, 403, 409, 413, 429, 503) },
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
            ...errors(400, 401, 403, 409, 413, 429, 503),
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
      '/api/v1/domains': {
        get: operation(
          "The organization's sending domains, newest first, each with its DNS records and their status",
          'admin',
          undefined,
          ['200', 'a page of domains'],
          [400, 401, 403],
          queryParameters(listDomainsQuery),
        ),
        post: operation(
          'Add a sending domain: creates its SES identity (Easy DKIM) and answers the DNS records to publish; 409 when any organization holds it',
          'admin',
          addDomainRequest,
          ['201', 'the domain, pending, with its records'],
          [400, 401, 403, 409, 503],
        ),
      },
      '/api/v1/domains/{id}': {
        get: operation(
          'One sending domain with its DNS records, each with its status',
          'admin',
          undefined,
          ['200', 'the domain'],
          [401, 403, 404],
          [idParameter],
        ),
        delete: operation(
          'Delete a sending domain and its SES identity; sends from it are refused again',
          'admin',
          undefined,
          ['204', 'deleted'],
          [401, 403, 404, 503],
          [idParameter],
        ),
      },
      '/api/v1/domains/{id}/verify': {
        post: operation(
          'Check now: ask SES at once (a failed domain is verified again from the start)',
          'admin',
          undefined,
          ['202', 'the domain'],
          [401, 403, 404],
          [idParameter],
        ),
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
        get: operation(
          "The organization's support addresses, each active or pending with how to prove it",
          'admin',
          undefined,
          ['200', 'the list'],
          [401, 403],
        ),
        post: operation(
          'Claim a support address: active at once on a verified sending domain, otherwise pending until a mailed code comes back or a TXT record appears',
          'admin',
          inboundAddressRequest,
          ['201', 'the claim'],
          [400, 401, 403, 409],
        ),
      },
      '/api/v1/inbound-addresses/{address}/verify': {
        post: operation('Look for the TXT record now', 'admin', undefined, ['202', 'the claim'], [401, 403, 404], [addressParameter]),
      },
      '/api/v1/inbound-addresses/{address}': {
        delete: operation('Give a support address up', 'admin', undefined, ['204', 'deleted'], [401, 403, 404], [addressParameter]),
      },
      '/api/inbound-addresses/confirm': {
        get: {
          summary: 'The link in the confirmation mail: confirms the address (an HTML page)',
          parameters: [
            { name: 'id', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'code', in: 'query', required: true, schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'confirmed' },
            '404': { description: 'not a valid link' },
            '409': { description: 'confirmed for another organization' },
          },
        },
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
        delete: operation('Disconnect a channel; its secrets are deleted', 'admin', undefined, ['204', 'disconnected'], [401, 403, 404], [idParameter]),
      },
      '/api/v1/api-keys': {
        get: operation(
          "The organization's API keys, newest first, revoked ones too (never a secret)",
          'admin',
          undefined,
          ['200', 'a page of keys'],
          [400, 401, 403],
          queryParameters(listApiKeysQuery),
        ),
        post: operation('Create an API key; the whole key is in this answer only', 'admin', createApiKeyRequest, ['201', 'the key'], [400, 401, 403]),
      },
      '/api/v1/api-keys/{id}/revoke': {
        post: operation(
          'Revoke a key: refused by every API process within a second',
          'admin',
          undefined,
          ['200', 'revoked'],
          [401, 403, 404],
          [keyIdParameter],
        ),
      },
      '/api/v1/api-keys/{id}/rotate': {
        post: operation(
          'A new key with the same name and scopes (shown once); the old one is revoked',
          'admin',
          undefined,
          ['201', 'the new key'],
          [401, 403, 404],
          [keyIdParameter],
        ),
      },
      '/api/v1/commerce/accounts': {
        get: operation("The organization's stores and accounts, each active or pending", 'admin', undefined, ['200', 'the list'], [401, 403]),
        post: operation(
          'Claim an Amazon seller id; it stays pending until an operator verifies it (Shopify and Stripe connect through OAuth: 400)',
          'admin',
          accountRequest,
          ['201', 'the pending claim'],
          [400, 401, 403, 409],
        ),
      },
      '/api/v1/commerce/shopify/connect': {
        post: operation(
          'Start a Shopify OAuth install: answers the authorize URL to send the merchant to (valid 15 minutes)',
          'admin',
          shopifyConnectRequest,
          ['201', '{authorize_url, expires_in}'],
          [400, 401, 403, 503],
        ),
      },
      '/api/commerce/shopify/callback': {
        get: {
          summary:
            "Shopify's return from the install (hmac and shop verified, state used once); exchanges the code and registers Relay's webhooks (an HTML page)",
          responses: {
            '200': { description: 'connected' },
            '400': { description: 'unknown, used or mismatched state' },
            '401': { description: 'not signed by Shopify' },
            '409': { description: 'held by another organization' },
            '503': { description: 'Shopify is not configured on this Relay' },
          },
        },
      },
      '/api/v1/commerce/stripe/connect': {
        post: operation(
          'Start a Stripe Connect OAuth: answers the authorize URL (valid 15 minutes)',
          'admin',
          undefined,
          ['201', '{authorize_url, expires_in}'],
          [400, 401, 403, 503],
        ),
      },
      '/api/commerce/stripe/callback': {
        get: {
          summary: "Stripe's return from Connect OAuth (state used once); the account is the one that approved (an HTML page)",
          responses: {
            '200': { description: 'connected' },
            '400': { description: 'unknown state or refused' },
            '409': { description: 'held by another organization' },
            '503': { description: 'Stripe Connect is not configured on this Relay' },
          },
        },
      },
      '/api/admin/commerce/accounts/pending': {
        get: {
          ...operation('Claims waiting for an operator (Amazon sellers)', 'RELAY_ADMIN_KEY', undefined, ['200', 'the claims'], [401]),
          security: [{ adminKey: [] }],
        },
      },
      '/api/admin/commerce/accounts/{id}/verify': {
        post: {
          ...operation(
            "Verify a pending claim: the account becomes the organization's, other claims end",
            'RELAY_ADMIN_KEY',
            undefined,
            ['200', 'the account'],
            [401, 404, 409],
            [idParameter],
          ),
          security: [{ adminKey: [] }],
        },
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
      '/api/admin/organizations/{id}/limits': {
        get: {
          ...operation(
            "An organization's limits, what applies, and today's accepted emails",
            'RELAY_ADMIN_KEY',
            undefined,
            ['200', 'the limits'],
            [401, 404],
            [idParameter],
          ),
          security: [{ adminKey: [] }],
        },
        patch: {
          ...operation(
            "Set an organization's daily send quota and API request rate (null: the deployment's default)",
            'RELAY_ADMIN_KEY',
            organizationLimitsChange,
            ['200', 'the limits'],
            [400, 401, 404],
            [idParameter],
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
      '/metrics': {
        get: {
          summary: 'Prometheus metrics: only with METRICS_TOKEN set on this Relay, and only for that token',
          security: [{ metricsToken: [] }],
          responses: { '200': { description: 'text exposition format' }, ...errors(401, 404) },
        },
      },
    },
    webhooks: outgoingWebhooks(),
  };
}

/** tRPC's answer on the wire: `{"result": {"data": {"json": <output>}}}` (superjson, as the seed's curl calls read it). */
const trpcResult = (output: object) => ({
  type: 'object',
  required: ['result'],
  properties: { result: { type: 'object', required: ['data'], properties: { data: { type: 'object', required: ['json'], properties: { json: output } } } } },
});

const trpcErrorBody = z.object({
  error: z.object({
    json: z.object({
      message: z.string(),
      code: z.int().describe('the JSON-RPC error code'),
      data: z.object({
        code: z.string().describe('BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, PRECONDITION_FAILED, …'),
        httpStatus: z.int(),
        path: z.string().optional(),
        error: errorBody.shape.error.describe("the REST API's code and message for the same failure"),
      }),
    }),
  }),
});

const trpcErrors: Record<string, object> = Object.fromEntries(
  [400, 404, 409, 412, 413].map((status) => [String(status), { description: 'a tRPC error', content: { 'application/json': { schema: ref('TrpcError') } } }]),
);
// Refused before tRPC reads the request, in the REST API's shape: a body without a credential
// (401), a session's mutation without the CSRF header (403), a mutation that is not JSON (415).
for (const status of ['401', '403']) {
  trpcErrors[status] = {
    description: 'a tRPC error, or the REST error when refused before tRPC reads the request',
    content: { 'application/json': { schema: { oneOf: [ref('TrpcError'), ref('Error')] } } },
  };
}
trpcErrors['415'] = { description: 'a mutation without Content-Type: application/json', content: { 'application/json': { schema: ref('Error') } } };

/** Component names of a procedure's input and output (`webhooks.create.input`), so clients can name their types. */
const procedureSchemaName = (name: string, part: 'input' | 'output') => `webhooks.${name}.${part}`;
/** The webhooks.* procedures' inputs and outputs, as components. */
function webhookProcedureSchemas() {
  return Object.fromEntries(
    Object.entries(webhookProcedures).flatMap(([name, procedure]) => [
      ...(procedure.input ? [[procedureSchemaName(name, 'input'), schemaOf(procedure.input, 'input')]] : []),
      [procedureSchemaName(name, 'output'), schemaOf(procedure.output)],
    ]),
  );
}

/**
 * The webhooks.* tRPC procedures as the JSON wire they really use (the seed's curl
 * calls): a query is a GET with `?input=` the URL-encoded JSON `{"json": <input>}`, a
 * mutation a POST of `{"json": <input>}`; API key or dashboard session.
 */
function webhookProcedurePaths() {
  return Object.fromEntries(
    Object.entries(webhookProcedures).map(([name, procedure]) => {
      const input = procedure.input ? { type: 'object', required: ['json'], properties: { json: ref(procedureSchemaName(name, 'input')) } } : undefined;
      const operation = {
        operationId: `webhooks.${name}`,
        summary: `${procedure.summary} (scope webhooks)`,
        security: [{ apiKey: [] }, { sessionCookie: [] }],
        responses: {
          '200': { description: 'the result', content: { 'application/json': { schema: trpcResult(ref(procedureSchemaName(name, 'output'))) } } },
          ...trpcErrors,
        },
      };
      if (procedure.kind === 'query') {
        const parameters = input ? [{ name: 'input', in: 'query', required: true, content: { 'application/json': { schema: input } } }] : [];
        return [`/api/trpc/webhooks.${name}`, { get: { ...operation, parameters } }];
      }
      return [`/api/trpc/webhooks.${name}`, { post: { ...operation, requestBody: { required: true, content: { 'application/json': { schema: input } } } } }];
    }),
  );
}

const oauthError = {
  description: 'an RFC 6749 error',
  content: json(z.object({ error: z.string(), error_description: z.string() })),
};

/** RelayIt's OAuth endpoints (the partner document): authorize and consent are pages, the rest JSON. */
function oauthPaths() {
  const form = (schema: z.ZodType) => ({ 'application/x-www-form-urlencoded': { schema: schemaOf(schema, 'input') } });
  return {
    '/api/oauth/authorize': {
      get: {
        summary: 'Start the authorization-code flow: the consent page (after Hub sign-in), or an error page; PKCE S256 optional',
        parameters: [
          ...['client_id', 'redirect_uri', 'state'].map((name) => ({ name, in: 'query', required: true, schema: { type: 'string' } })),
          { name: 'response_type', in: 'query', required: true, schema: { type: 'string', const: 'code' } },
          { name: 'scope', in: 'query', required: false, schema: { type: 'string', const: 'default' } },
          { name: 'code_challenge', in: 'query', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{43,128}$' } },
          { name: 'code_challenge_method', in: 'query', required: false, schema: { type: 'string', const: 'S256' } },
        ],
        responses: {
          '200': { description: 'the consent page, or a page saying why the request is refused', content: { 'text/html': { schema: { type: 'string' } } } },
          '302': { description: 'to Hub sign-in first' },
          '400': {
            description: 'an unknown client_id or unregistered redirect_uri: an error page, never a redirect (RFC 6749 §4.1.2.1)',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
        },
      },
    },
    '/api/oauth/consent': {
      post: {
        summary: "The consent page's form: approve or deny; redirects to the partner's redirect_uri with code and state, or error=access_denied",
        security: [{ sessionCookie: [] }],
        requestBody: {
          required: true,
          content: form(
            z.object({
              client_id: z.string(),
              redirect_uri: z.string(),
              state: z.string(),
              scope: z.string().optional(),
              code_challenge: z.string().optional(),
              csrf: z.string(),
              decision: z.enum(['approve', 'deny']),
            }),
          ),
        },
        responses: {
          '302': { description: "to the partner's redirect_uri" },
          '200': { description: 'a page saying why the form is refused' },
          '400': {
            description: 'an unknown client_id or unregistered redirect_uri: an error page, never a redirect',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
        },
      },
    },
    '/api/oauth/token': {
      post: {
        summary: 'Exchange an authorization code for a partner token (client credentials in the form or HTTP Basic)',
        requestBody: {
          required: true,
          content: form(
            z.object({
              grant_type: z.literal('authorization_code'),
              code: z.string(),
              redirect_uri: z.string(),
              client_id: z.string().optional(),
              client_secret: z.string().optional(),
              code_verifier: z.string().optional(),
            }),
          ),
        },
        responses: {
          '200': {
            description: 'the token',
            content: json(
              z.object({ access_token: z.string(), token_type: z.literal('Bearer'), scope: z.string(), user_id: z.string(), partner_id: z.string() }),
            ),
          },
          '400': oauthError,
          '401': oauthError,
        },
      },
    },
    '/api/oauth/me': {
      get: {
        summary: "The token's user, partner and whether the connection is active",
        security: [{ partnerToken: [] }],
        responses: {
          '200': {
            description: 'the connection',
            content: json(
              z.object({
                user_id: z.string(),
                partner: z.object({ id: z.string(), name: z.string(), webhook_url: z.string() }),
                scope: z.string(),
                active: z.boolean(),
              }),
            ),
          },
          ...errors(401, 403, 429),
        },
      },
    },
    '/api/oauth/disconnect': {
      delete: {
        summary: "End the user's connection and revoke the token",
        security: [{ partnerToken: [] }],
        responses: { '200': { description: 'disconnected', content: json(z.object({ disconnected: z.literal(true) })) }, ...errors(401, 403, 429) },
      },
    },
  };
}

/** The headers every outgoing webhook delivery carries. */
const deliveryHeaders = [
  ['webhook-id', 'Standard Webhooks: the delivery id, the same on every retry'],
  ['webhook-timestamp', 'Standard Webhooks: unix seconds of this attempt'],
  ['webhook-signature', 'Standard Webhooks: v1,<base64 HMAC-SHA256 of "id.timestamp.body">, space-separated while a rotation overlaps'],
  ['x-relay-signature', 'hex HMAC-SHA256 of the raw body under the secret as given, space-separated while a rotation overlaps'],
  ['x-relay-event-id', 'the event id'],
  ['x-relay-event', 'the event type'],
  ['x-relay-delivery-id', 'the delivery id'],
  ['x-relay-timestamp', 'unix seconds of this attempt'],
].map(([name, description]) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } }));

/** The `webhooks` section: what Relay POSTs to a subscribed endpoint, one entry per event type. */
function outgoingWebhooks() {
  return Object.fromEntries(
    WEBHOOK_EVENT_CATALOGUE.map((entry) => [
      entry.type,
      {
        post: {
          operationId: `webhook.${entry.type}`,
          summary: entry.description,
          parameters: deliveryHeaders,
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(entry.payload), example: entry.example } } },
          responses: {
            '2XX': { description: 'delivered' },
            '410': { description: 'the endpoint is gone: Relay disables the webhook at once' },
            '429': { description: 'retried on the schedule, later if Retry-After asks (at most twice the step)' },
            '503': { description: 'retried on the schedule, later if Retry-After asks (at most twice the step)' },
            default: { description: 'retried on the schedule (1 min, 5 min, 30 min, 2 h, 24 h, ±10 %), then the webhook is disabled' },
          },
        },
      },
    ]),
  );
}
