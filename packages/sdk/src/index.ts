import createClient from 'openapi-fetch';
import { Webhook } from 'standardwebhooks';
import { webhookProcedureKinds } from './generated/procedures.js';
import type { components, operations, paths, webhooks } from './generated/schema.js';

export type { components, operations, paths, webhooks };

type Schemas = components['schemas'];

/** The webhooks.* tRPC procedures (list, create, update, delete, rotateSecret, test, deliveries, replay). */
export type WebhookProcedure = keyof typeof webhookProcedureKinds;
export type WebhookProcedureInput<P extends WebhookProcedure> = `webhooks.${P}.input` extends keyof Schemas ? Schemas[`webhooks.${P}.input`] : undefined;
export type WebhookProcedureOutput<P extends WebhookProcedure> = Schemas[`webhooks.${P}.output`];
type WebhookProcedureCall<P extends WebhookProcedure> =
  WebhookProcedureInput<P> extends undefined
    ? () => Promise<WebhookProcedureOutput<P>>
    : (input: WebhookProcedureInput<P>) => Promise<WebhookProcedureOutput<P>>;

/** An outgoing webhook event type (ticket.created, …) and its payload, from the document's `webhooks` section. */
export type WebhookEventType = keyof webhooks;
export type WebhookEventOf<T extends WebhookEventType> = operations[`webhook.${T}`]['requestBody']['content']['application/json'];
export type WebhookEvent = { [T in WebhookEventType]: WebhookEventOf<T> }[WebhookEventType];

/** A tRPC error answer: its code (BAD_REQUEST, NOT_FOUND, …), HTTP status and message. */
export class RelayTrpcError extends Error {
  override name = 'RelayTrpcError';
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RelayClientOptions {
  /** Where Relay's API is, e.g. https://relay.example.com */
  baseUrl: string;
  /** An organization API key (rk_…) with the scopes the calls need. */
  apiKey: string;
  fetch?: (input: Request) => Promise<Response>;
}

/**
 * A typed client for Relay: every REST path of the OpenAPI document through openapi-fetch
 * (`relay.POST('/api/v1/emails', { body })`), and the webhooks.* tRPC procedures on the
 * JSON wire they use (`relay.webhooks.create({ url, events })`).
 */
export function createRelayClient(options: RelayClientOptions) {
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  async function call(procedure: WebhookProcedure, input: unknown): Promise<unknown> {
    // The path is one of the document's tRPC paths; openapi-fetch checks its shape, this call its name.
    const path = `/api/trpc/webhooks.${procedure}` as '/api/trpc/webhooks.create';
    const { data, error, response } =
      webhookProcedureKinds[procedure] === 'query'
        ? await (api.GET as (path: string, init: object) => ReturnType<typeof api.GET>)(path, {
            params: input === undefined ? {} : { query: { input: JSON.stringify({ json: input }) } },
          })
        : await api.POST(path, { body: { json: input as WebhookProcedureInput<'create'> } });
    if (error) {
      const detail = (error as { error?: { json?: { message?: string; data?: { code?: string } } } }).error?.json;
      throw new RelayTrpcError(detail?.data?.code ?? 'UNKNOWN', response.status, detail?.message ?? `HTTP ${response.status}`);
    }
    return (data as { result: { data: { json: unknown } } }).result.data.json;
  }

  const webhookCalls = Object.fromEntries(
    (Object.keys(webhookProcedureKinds) as WebhookProcedure[]).map((procedure) => [procedure, (input?: unknown) => call(procedure, input)]),
  ) as { [P in WebhookProcedure]: WebhookProcedureCall<P> };

  return Object.assign(api, { webhooks: webhookCalls });
}

export type RelayClient = ReturnType<typeof createRelayClient>;

/** A delivery's headers, as a Node request or a fetch Request carries them. */
export type DeliveryHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * Verifies one webhook delivery as a receiver should (Standard Webhooks: signature over
 * id, timestamp and body, timestamp within 5 minutes) and returns its typed event; throws
 * when it does not verify. `secret` is the webhook's secret as Relay gave it or you chose
 * it: a whsec_ secret, or the seed's free form (its Standard Webhooks key is its UTF-8 bytes).
 */
export function verifyWebhook(secret: string, rawBody: string, headers: DeliveryHeaders): WebhookEvent {
  const header = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value.join(' ') : (value ?? '');
  };
  const standardSecret = secret.startsWith('whsec_') ? secret : `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;
  return new Webhook(standardSecret).verify(rawBody, {
    'webhook-id': header('webhook-id'),
    'webhook-timestamp': header('webhook-timestamp'),
    'webhook-signature': header('webhook-signature'),
  }) as WebhookEvent;
}
