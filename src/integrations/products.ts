import { ApplicationFailure } from '@temporalio/common';
import { ensureSuccess, type HttpClient } from './http.js';

/** The product call an inbound message becomes (the plus-address contract in docs/integrations.md). */
export type ProductRoute =
  | { target: 'psa_note'; ticketId: string }
  | { target: 'psa_ticket'; tenant: string }
  | { target: 'crm_activity'; contactId: string }
  | { target: 'portal_reply'; ticketId: string };

/** Where Relay's sibling products listen, from the config; any may be unset. */
export interface ProductEndpoints {
  psaUrl: string | undefined;
  crmUrl: string | undefined;
  portalUrl: string | undefined;
  integrationKey: string | undefined;
}

/** The inbound email as Relay hands it to a product (docs/integrations.md). */
export interface InboundDelivery {
  source: 'relay';
  inbound_id: string;
  from: { address: string; name: string | null };
  to: string[];
  cc: string[];
  subject: string;
  text: string | null;
  html: string | null;
  stripped_text: string | null;
  message_id: string | null;
  in_reply_to: string | null;
  references: string[];
  received_at: string;
  attachments: { filename: string; content_type: string; size: number; content: string }[];
}

export const PRODUCT_OF_ROUTE = { psa_note: 'PSA', psa_ticket: 'PSA', crm_activity: 'CRM', portal_reply: 'Portal' } as const;

function endpointFor(route: ProductRoute, endpoints: ProductEndpoints): string | undefined {
  const base = (url: string | undefined) => url?.replace(/\/+$/, '');
  const id = (value: string) => encodeURIComponent(value);
  switch (route.target) {
    case 'psa_note':
      return endpoints.psaUrl && `${base(endpoints.psaUrl)}/api/integrations/relay/tickets/${id(route.ticketId)}/notes`;
    case 'psa_ticket':
      return endpoints.psaUrl && `${base(endpoints.psaUrl)}/api/integrations/relay/tenants/${id(route.tenant)}/tickets`;
    case 'crm_activity':
      return endpoints.crmUrl && `${base(endpoints.crmUrl)}/api/integrations/relay/contacts/${id(route.contactId)}/activities`;
    case 'portal_reply':
      return endpoints.portalUrl && `${base(endpoints.portalUrl)}/api/integrations/relay/tickets/${id(route.ticketId)}/replies`;
  }
}

export interface ProductsClient {
  /** Posts the message to the product the route names; the idempotency key makes a retry create nothing twice. */
  deliver(route: ProductRoute, delivery: InboundDelivery, idempotencyKey: string): Promise<{ status: number; body: string }>;
}

export function createProductsClient(http: HttpClient, endpoints: ProductEndpoints): ProductsClient {
  return {
    async deliver(route, delivery, idempotencyKey) {
      const url = endpointFor(route, endpoints);
      const product = PRODUCT_OF_ROUTE[route.target];
      if (!url || !endpoints.integrationKey) {
        throw ApplicationFailure.nonRetryable(`${product} is not configured (${product.toUpperCase()}_API_URL and INTEGRATION_KEY)`, 'ProductNotConfigured');
      }
      const response = await http.request({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', 'x-integration-key': endpoints.integrationKey, 'idempotency-key': idempotencyKey },
        body: JSON.stringify(delivery),
        timeoutMs: 30_000,
      });
      ensureSuccess(response, product);
      return { status: response.status, body: response.body.slice(0, 1024) };
    },
  };
}
