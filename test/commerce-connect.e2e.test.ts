import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { shopifyWebhooksWorkflowId } from '../src/temporal/ids.js';
import { FakeShopify, FakeStripeConnect, signedQuery } from './fakes/fake-shopify.js';
import { connectStripeAccount, installOnShop } from './support/commerce-connect.js';
import { call } from './support/http.js';
import { makeSigningCertificate, signSnsMessage } from './support/sns.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const ADMIN = 'connect-admin-key';
const APP_SECRET = 'shopify-app-secret';
const AMAZON_TOPIC = 'arn:aws:sns:us-east-1:123456789012:amazon-seller';
const { key: snsKey, certificate } = makeSigningCertificate();
const shopify = new FakeShopify('shopify-app-key', APP_SECRET);
const stripe = new FakeStripeConnect('sk_test_platform');
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;

beforeAll(async () => {
  await Promise.all([shopify.start(), stripe.start()]);
  stack = await startStack({
    env: {
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ADMIN_KEY: ADMIN,
      SHOPIFY_API_KEY: shopify.apiKey,
      SHOPIFY_API_SECRET: APP_SECRET,
      SHOPIFY_SHOP_BASE_URL: `${shopify.url}/{shop}`,
      STRIPE_CONNECT_CLIENT_ID: 'ca_relay_test',
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_CONNECT_BASE_URL: stripe.url,
      AMAZON_SNS_TOPIC_ARNS: AMAZON_TOPIC,
    },
    fetchSnsCertificate: async () => certificate,
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin']);
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([shopify.stop(), stripe.stop()]);
});

const newShop = () => `shop-${randomBytes(4).toString('hex')}.myshopify.com`;
const accounts = async (key = org.key) => (await call(stack.api.url, '/api/v1/commerce/accounts', { key })).body.data as Record<string, unknown>[];
const accountRows = () => stack.db.selectFrom('commerce_accounts').select(['org_id', 'provider', 'account', 'status']).orderBy('id').execute();
const callback = (path: string, query: string) => fetch(`${stack.api.url}${path}?${query}`);
const startInstall = async (shop: string, key = org.key) => {
  const started = await call(stack.api.url, '/api/v1/commerce/shopify/connect', { key, body: { shop } });
  return { ...started, state: new URL(started.body.authorize_url).searchParams.get('state')! };
};

describe('Shopify shops connect through the OAuth install', () => {
  it('sends the merchant to Shopify, verifies the return, keeps the token and registers the webhooks Relay needs', async () => {
    const shop = newShop();
    const started = await startInstall(shop);
    expect(started.status).toBe(201);
    const authorize = new URL(started.body.authorize_url);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${shopify.url}/${shop}/admin/oauth/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: shopify.apiKey,
      scope: 'read_orders,read_customers',
      redirect_uri: `${stack.config.publicUrl}/api/commerce/shopify/callback`,
    });

    const returned = await callback('/api/commerce/shopify/callback', shopify.approve(shop, started.state));
    expect(returned.status).toBe(200);
    expect(await returned.text()).toContain(`${shop} is connected`);
    expect(await accounts()).toContainEqual(expect.objectContaining({ provider: 'shopify', account: shop, status: 'active', verified_by: 'oauth' }));

    const registration = await stack.client.workflow
      .getHandle(shopifyWebhooksWorkflowId(String((await accounts()).find((a) => a.account === shop)!.id)))
      .result();
    expect(registration.topics).toEqual(['orders/create', 'orders/updated', 'customers/create', 'customers/update']);
    expect(shopify.subscriptions.get(shop)).toEqual(
      ['ORDERS_CREATE', 'ORDERS_UPDATED', 'CUSTOMERS_CREATE', 'CUSTOMERS_UPDATE'].map((topic) => ({
        topic,
        uri: `${stack.config.publicUrl}/api/webhooks/shopify`,
      })),
    );
    const graphql = shopify.requests.filter((request) => request.path.endsWith('/graphql.json'));
    expect(graphql[0]!.path).toBe(`/${shop}/admin/api/2025-10/graphql.json`);
    // The token is kept sealed, never in the clear.
    const stored = await stack.db.selectFrom('commerce_accounts').select('access_token_sealed').where('account', '=', shop).executeTakeFirstOrThrow();
    const token = graphql[0]!.headers['x-shopify-access-token'] as string;
    expect(stored.access_token_sealed!.toString('latin1')).not.toContain(token);

    // Installing again (a reinstall) finds the subscriptions in place and registers nothing twice.
    expect((await installOnShop(stack.api.url, org.key, shopify, shop)).status).toBe(200);
    expect(shopify.subscriptions.get(shop)).toHaveLength(4);
  });

  it('connects nothing on a forged return: a bad hmac, a wrong or used state, another shop', async () => {
    const shop = newShop();
    const before = await accountRows();
    const { state } = await startInstall(shop);
    const forged = await callback('/api/commerce/shopify/callback', shopify.approve(shop, state, 'not-the-app-secret'));
    expect(forged.status).toBe(401);
    const tampered = new URLSearchParams(shopify.approve(shop, state));
    tampered.set('shop', newShop());
    expect((await callback('/api/commerce/shopify/callback', tampered.toString())).status).toBe(401);
    expect((await callback('/api/commerce/shopify/callback', shopify.approve(shop, 'a-state-relay-never-sent'))).status).toBe(400);
    const otherShop = newShop();
    expect((await callback('/api/commerce/shopify/callback', shopify.approve(otherShop, state))).status).toBe(400);
    // The other shop's attempt used up the state: the install starts again.
    expect((await callback('/api/commerce/shopify/callback', shopify.approve(shop, state))).status).toBe(400);
    const unsigned = signedQuery({ code: 'x', shop, state, timestamp: '1' }, APP_SECRET).replace(/&hmac=[0-9a-f]+/, '');
    expect((await callback('/api/commerce/shopify/callback', unsigned)).status).toBe(401);
    expect(await accountRows()).toEqual(before);
    expect(shopify.subscriptions.get(shop)).toBeUndefined();

    // A good return after the forged ones still works: forgeries do not use up the state.
    const fresh = await startInstall(shop);
    expect((await callback('/api/commerce/shopify/callback', shopify.approve(shop, fresh.state, 'not-the-app-secret'))).status).toBe(401);
    const good = shopify.approve(shop, fresh.state);
    expect((await callback('/api/commerce/shopify/callback', good)).status).toBe(200);
    expect((await callback('/api/commerce/shopify/callback', good)).status).toBe(400);
  });

  it('keeps a shop with the organization that installed on it; another organization cannot take it over', async () => {
    const shop = newShop();
    expect((await installOnShop(stack.api.url, org.key, shopify, shop)).status).toBe(200);
    const other = await createOrgWithKey(stack.db, ['admin']);
    const taken = await installOnShop(stack.api.url, other.key, shopify, shop);
    expect(taken.status).toBe(409);
    expect(await accounts(other.key)).toEqual([]);
    expect(await accounts()).toContainEqual(expect.objectContaining({ account: shop, status: 'active' }));
  });

  it('refuses a manual claim of a shop or a Stripe account, and bad connect requests, with 400', async () => {
    for (const body of [
      { provider: 'shopify', account: newShop() },
      { provider: 'stripe_connect', account: 'acct_1234567890' },
    ]) {
      const refused = await call(stack.api.url, '/api/v1/commerce/accounts', { key: org.key, body });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toContain('connect through');
    }
    for (const shop of ['evil.example.com', 'shop.myshopify.com.evil.example', '']) {
      expect((await call(stack.api.url, '/api/v1/commerce/shopify/connect', { key: org.key, body: { shop } })).status).toBe(400);
    }
    expect((await call(stack.api.url, '/api/v1/commerce/stripe/connect', { key: org.key, body: { account: 'acct_x' } })).status).toBe(400);
    expect(await stack.db.selectFrom('commerce_oauth_states').select('org_id').where('org_id', '=', org.orgId).execute()).toHaveLength(0);
  });
});

describe('Stripe Connect accounts connect through Connect OAuth', () => {
  it('connects the account that approved, and nothing on a wrong state or a refusal', async () => {
    const account = `acct_${randomBytes(6).toString('hex')}`;
    const started = await call(stack.api.url, '/api/v1/commerce/stripe/connect', { key: org.key, body: {} });
    const authorize = new URL(started.body.authorize_url);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${stripe.url}/oauth/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'ca_relay_test',
      redirect_uri: `${stack.config.publicUrl}/api/commerce/stripe/callback`,
    });
    const state = authorize.searchParams.get('state')!;
    expect((await callback('/api/commerce/stripe/callback', stripe.approve(account, 'not-our-state'))).status).toBe(400);
    const denied = await callback(
      '/api/commerce/stripe/callback',
      new URLSearchParams({ error: 'access_denied', error_description: 'The user denied your request', state }).toString(),
    );
    expect(denied.status).toBe(400);
    expect((await accounts()).map((entry) => entry.account)).not.toContain(account);

    const connected = await connectStripeAccount(stack.api.url, org.key, stripe, account);
    expect(connected.status).toBe(200);
    expect(await accounts()).toContainEqual(expect.objectContaining({ provider: 'stripe_connect', account, status: 'active', verified_by: 'oauth' }));
    const exchange = stripe.requests.at(-1)!;
    expect(Object.fromEntries(new URLSearchParams(exchange.body))).toMatchObject({ grant_type: 'authorization_code' });
    expect(exchange.headers.authorization).toBe(`Bearer ${stripe.secretKey}`);
  });
});

describe('Amazon sellers are verified by an operator', () => {
  const amazonNotification = (seller: string) =>
    signSnsMessage(snsKey, {
      Type: 'Notification',
      MessageId: `sns-${randomBytes(6).toString('hex')}`,
      TopicArn: AMAZON_TOPIC,
      Message: JSON.stringify({
        NotificationType: 'ORDER_CHANGE',
        NotificationMetadata: { NotificationId: `n-${randomBytes(6).toString('hex')}` },
        Payload: { OrderChangeNotification: { SellerId: seller, AmazonOrderId: '113-1', Summary: { OrderStatus: 'Shipped' } } },
      }),
      Timestamp: new Date().toISOString(),
    });
  const postAmazon = (seller: string) =>
    call(stack.api.url, '/api/amazon/webhook', { rawBody: JSON.stringify(amazonNotification(seller)), headers: { 'content-type': 'text/plain' } });
  const eventsOf = async (seller: string) => stack.db.selectFrom('commerce_events').select(['org_id']).where('account', '=', seller).execute();

  it('keeps a claim pending (its events go to nobody) until an operator verifies it; a squatter blocks nobody', async () => {
    const seller = `A${randomBytes(5).toString('hex').toUpperCase()}`;
    const squatter = await createOrgWithKey(stack.db, ['admin']);
    const squat = await call(stack.api.url, '/api/v1/commerce/accounts', { key: squatter.key, body: { provider: 'amazon', account: seller } });
    expect(squat.body).toMatchObject({ status: 'pending' });
    const claim = await call(stack.api.url, '/api/v1/commerce/accounts', { key: org.key, body: { provider: 'amazon', account: seller } });
    expect(claim.status).toBe(201);
    expect(claim.body).toMatchObject({ provider: 'amazon', account: seller, status: 'pending' });

    expect((await postAmazon(seller)).status).toBe(200);
    expect(await eventsOf(seller)).toEqual([{ org_id: null }]);

    const pending = await call(stack.api.url, '/api/admin/commerce/accounts/pending', { key: ADMIN });
    expect(pending.body.data.filter((entry: { account: string }) => entry.account === seller)).toHaveLength(2);
    expect((await call(stack.api.url, `/api/admin/commerce/accounts/${claim.body.id}/verify`, { key: org.key, method: 'POST' })).status).toBe(401);
    const verified = await call(stack.api.url, `/api/admin/commerce/accounts/${claim.body.id}/verify`, { key: ADMIN, method: 'POST' });
    expect(verified.body).toMatchObject({ org_id: org.orgId, status: 'active' });
    expect(await accounts(squatter.key)).toEqual([]);
    expect((await call(stack.api.url, `/api/admin/commerce/accounts/${squat.body.id}/verify`, { key: ADMIN, method: 'POST' })).status).toBe(404);
    expect((await call(stack.api.url, '/api/v1/commerce/accounts', { key: squatter.key, body: { provider: 'amazon', account: seller } })).status).toBe(409);

    expect((await postAmazon(seller)).status).toBe(200);
    expect((await eventsOf(seller)).map((row) => row.org_id)).toContain(org.orgId);
  });
});
