import { ApplicationFailure } from '@temporalio/common';
import { ensureSuccess, type HttpClient } from './http.js';

/** Relay's Shopify app: its credentials, the scopes it asks for, and where shops are reached. */
export interface ShopifyApp {
  apiKey: string;
  apiSecret: string;
  scopes: string;
  apiVersion: string;
  /** A shop's base URL, `{shop}` standing for its myshopify.com domain (tests: a loopback fake). */
  shopBaseUrl: string;
}

export interface ShopifyClient {
  /** Where the merchant approves the install (Shopify's OAuth authorize page). */
  authorizeUrl(shop: string, state: string, redirectUri: string): string;
  /** Exchanges the install's one-time code for the shop's Admin API token. */
  exchangeCode(shop: string, code: string): Promise<{ accessToken: string; scope: string }>;
  /** Subscribes `uri` to a webhook topic (`orders/create`); a subscription that exists already is fine. */
  subscribeWebhook(shop: string, accessToken: string, topic: string, uri: string): Promise<'created' | 'exists'>;
}

const SUBSCRIBE = `mutation webhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id }
    userErrors { field message }
  }
}`;

/** `orders/create` as the GraphQL enum spells it: `ORDERS_CREATE`. */
export function graphqlTopic(topic: string): string {
  return topic.replace(/[/-]/g, '_').toUpperCase();
}

export function createShopifyClient(http: HttpClient, app: ShopifyApp): ShopifyClient {
  const base = (shop: string) => app.shopBaseUrl.replace('{shop}', shop).replace(/\/+$/, '');
  return {
    authorizeUrl(shop, state, redirectUri) {
      const query = new URLSearchParams({ client_id: app.apiKey, scope: app.scopes, redirect_uri: redirectUri, state });
      return `${base(shop)}/admin/oauth/authorize?${query}`;
    },

    async exchangeCode(shop, code) {
      const response = ensureSuccess(
        await http.request({
          method: 'POST',
          url: `${base(shop)}/admin/oauth/access_token`,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ client_id: app.apiKey, client_secret: app.apiSecret, code }),
        }),
        'Shopify OAuth',
      );
      const answer = JSON.parse(response.body) as { access_token?: string; scope?: string };
      if (!answer.access_token) throw ApplicationFailure.nonRetryable('Shopify answered no access token', 'ShopifyOauthFailed');
      return { accessToken: answer.access_token, scope: answer.scope ?? '' };
    },

    async subscribeWebhook(shop, accessToken, topic, uri) {
      const response = ensureSuccess(
        await http.request({
          method: 'POST',
          url: `${base(shop)}/admin/api/${app.apiVersion}/graphql.json`,
          headers: { 'content-type': 'application/json', 'x-shopify-access-token': accessToken },
          body: JSON.stringify({ query: SUBSCRIBE, variables: { topic: graphqlTopic(topic), webhookSubscription: { uri, format: 'JSON' } } }),
        }),
        'Shopify Admin API',
      );
      const answer = JSON.parse(response.body) as {
        data?: { webhookSubscriptionCreate?: { webhookSubscription: { id: string } | null; userErrors: { message: string }[] } };
        errors?: { message: string }[];
      };
      const created = answer.data?.webhookSubscriptionCreate;
      if (created?.webhookSubscription) return 'created';
      const problems = [...(created?.userErrors ?? []), ...(answer.errors ?? [])].map((error) => error.message);
      // Shopify's answer to a second subscription of the same topic and address.
      if (problems.some((message) => /already been taken/i.test(message))) return 'exists';
      throw ApplicationFailure.nonRetryable(`Shopify refused the ${topic} webhook: ${problems.join('; ') || 'no reason given'}`, 'ShopifyWebhookRefused');
    },
  };
}
