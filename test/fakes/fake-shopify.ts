import { createHmac, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { RecordingServer } from './recording-server.js';

/**
 * Shopify as Relay's app meets it, for every shop under one loopback server
 * (`SHOPIFY_SHOP_BASE_URL=<url>/{shop}`): the OAuth token exchange of an install and the
 * Admin API's webhookSubscriptionCreate. Codes are the ones the test had the fake issue.
 */
export class FakeShopify extends RecordingServer {
  /** Webhook subscriptions made, per shop: topic (GraphQL enum) and uri. */
  readonly subscriptions = new Map<string, { topic: string; uri: string }[]>();
  private readonly codes = new Map<string, string>();
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly apiKey: string,
    readonly apiSecret: string,
  ) {
    super((request, res) => {
      const match = /^\/([^/]+)\/admin\/(oauth\/access_token|api\/[\d-]+\/graphql\.json)$/.exec(request.path);
      if (!match || request.method !== 'POST') return this.json(res, 404, { errors: 'Not Found' });
      const shop = match[1]!;
      const body = JSON.parse(request.body || '{}');
      if (match[2] === 'oauth/access_token') {
        if (body.client_id !== this.apiKey || body.client_secret !== this.apiSecret || this.codes.get(body.code) !== shop) {
          return this.json(res, 400, { error: 'invalid_request', error_description: 'The authorization code was not found or was already used' });
        }
        this.codes.delete(body.code);
        const token = `shpat_${randomBytes(8).toString('hex')}`;
        this.tokens.set(token, shop);
        return this.json(res, 200, { access_token: token, scope: 'read_orders,read_customers' });
      }
      if (this.tokens.get(String(request.headers['x-shopify-access-token'])) !== shop)
        return this.json(res, 401, { errors: '[API] Invalid API key or access token' });
      const { topic, webhookSubscription } = body.variables as { topic: string; webhookSubscription: { uri: string } };
      const existing = this.subscriptions.get(shop) ?? [];
      if (existing.some((entry) => entry.topic === topic && entry.uri === webhookSubscription.uri)) {
        return this.json(res, 200, {
          data: {
            webhookSubscriptionCreate: {
              webhookSubscription: null,
              userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address for this topic has already been taken' }],
            },
          },
        });
      }
      this.subscriptions.set(shop, [...existing, { topic, uri: webhookSubscription.uri }]);
      return this.json(res, 200, {
        data: { webhookSubscriptionCreate: { webhookSubscription: { id: `gid://shopify/WebhookSubscription/${existing.length + 1}` }, userErrors: [] } },
      });
    });
  }

  /** What Shopify appends to the app's redirect URI once the merchant approves: a fresh code, signed with the app's secret. */
  approve(shop: string, state: string, secret = this.apiSecret): string {
    const code = randomBytes(12).toString('hex');
    this.codes.set(code, shop);
    return signedQuery(
      { code, host: Buffer.from(`${shop}/admin`).toString('base64url'), shop, state, timestamp: String(Math.floor(Date.now() / 1000)) },
      secret,
    );
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

/** A query string signed as Shopify signs its redirects (hex HMAC-SHA256 of the sorted parameters). */
export function signedQuery(params: Record<string, string>, secret: string): string {
  const message = Object.keys(params)
    .sort()
    .map((name) => `${name}=${params[name]}`)
    .join('&');
  const hmac = createHmac('sha256', secret).update(message).digest('hex');
  return new URLSearchParams({ ...params, hmac }).toString();
}

/** Stripe's Connect OAuth token endpoint: a code the test issued answers the account that approved. */
export class FakeStripeConnect extends RecordingServer {
  private readonly codes = new Map<string, string>();

  constructor(readonly secretKey: string) {
    super((request, res) => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.method !== 'POST' || request.path !== '/oauth/token') return json(404, { error: 'not_found' });
      if (request.headers.authorization !== `Bearer ${this.secretKey}`) return json(401, { error: 'invalid_client' });
      const form = new URLSearchParams(request.body);
      const account = this.codes.get(form.get('code') ?? '');
      if (form.get('grant_type') !== 'authorization_code' || !account)
        return json(400, { error: 'invalid_grant', error_description: 'Authorization code does not exist' });
      this.codes.delete(form.get('code')!);
      return json(200, {
        access_token: 'sk_acct_token',
        livemode: false,
        refresh_token: 'rt_x',
        token_type: 'bearer',
        stripe_user_id: account,
        scope: 'read_write',
      });
    });
  }

  /** What Stripe appends to the redirect URI once the account owner approves. */
  approve(account: string, state: string): string {
    const code = `ac_${randomBytes(10).toString('hex')}`;
    this.codes.set(code, account);
    return new URLSearchParams({ code, scope: 'read_write', state }).toString();
  }
}
