import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEmail } from '../src/emails/repository.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { commerceEventWorkflowId, inboundWorkflowId } from '../src/temporal/ids.js';
import { call, eventually } from './support/http.js';
import { makeSigningCertificate, signSnsMessage } from './support/sns.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { FakeShopify, FakeStripeConnect } from './fakes/fake-shopify.js';
import { connectStripeAccount, installOnShop } from './support/commerce-connect.js';

const SHOP = `acme-${randomBytes(3).toString('hex')}.myshopify.com`;
const SHOPIFY_API_SECRET = 'shopify-app-api-secret';
const STRIPE_SECRET = 'whsec_stripe_test_secret';
const STRIPE_CONNECT_SECRET = 'whsec_stripe_connect_secret';
const RESEND_SECRET = `whsec_${Buffer.from('resend-signing-secret-32-bytes!!').toString('base64')}`;
const AMAZON_TOPIC = 'arn:aws:sns:us-east-1:123456789012:amazon-seller';
const SELLER = `A${randomBytes(5).toString('hex').toUpperCase()}`;
const CONNECT_ACCOUNT = `acct_${randomBytes(6).toString('hex')}`;
const stripe = new Stripe('sk_test_signing_only');
const { key: snsKey, certificate } = makeSigningCertificate();

const ADMIN = 'commerce-admin-key';
const shopifyApp = new FakeShopify('shopify-app-key', SHOPIFY_API_SECRET);
const stripeConnect = new FakeStripeConnect('sk_test_platform');
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;
let support: string;

beforeAll(async () => {
  await Promise.all([shopifyApp.start(), stripeConnect.start()]);
  stack = await startStack({
    env: {
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ADMIN_KEY: ADMIN,
      SHOPIFY_API_KEY: shopifyApp.apiKey,
      SHOPIFY_SHOP_BASE_URL: `${shopifyApp.url}/{shop}`,
      STRIPE_CONNECT_CLIENT_ID: 'ca_relay_test',
      STRIPE_SECRET_KEY: stripeConnect.secretKey,
      STRIPE_CONNECT_BASE_URL: stripeConnect.url,
      SHOPIFY_API_SECRET,
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      STRIPE_CONNECT_WEBHOOK_SECRET: STRIPE_CONNECT_SECRET,
      RESEND_WEBHOOK_SECRET: RESEND_SECRET,
      AMAZON_SNS_TOPIC_ARNS: AMAZON_TOPIC,
      POSTMARK_INBOUND_TOKEN: 'pm-token',
    },
    fetchSnsCertificate: async () => certificate,
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin']);
  support = `help-${randomBytes(3).toString('hex')}@${org.domain}`;
  await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } });
  // Each account connected with its proof: Shopify's and Stripe's OAuth, an operator for Amazon.
  expect((await installOnShop(stack.api.url, org.key, shopifyApp, SHOP)).status).toBe(200);
  expect((await connectStripeAccount(stack.api.url, org.key, stripeConnect, CONNECT_ACCOUNT)).status).toBe(200);
  const seller = await call(stack.api.url, '/api/v1/commerce/accounts', { key: org.key, body: { provider: 'amazon', account: SELLER } });
  expect((await call(stack.api.url, `/api/admin/commerce/accounts/${seller.body.id}/verify`, { key: ADMIN, method: 'POST' })).status).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([shopifyApp.stop(), stripeConnect.stop()]);
});

async function applied(provider: string, eventId: string) {
  const row = await eventually(
    () => stack.db.selectFrom('commerce_events').select('id').where('provider', '=', provider).where('event_id', '=', eventId).executeTakeFirst(),
    `${eventId} stored`,
  );
  return eventually(() => stack.client.workflow.getHandle(commerceEventWorkflowId(row.id)).result(), `${eventId} applied`);
}
const storedEvents = async () =>
  Number(
    (
      await stack.db
        .selectFrom('commerce_events')
        .select(({ fn }) => fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function shopify(path: string, topic: string, payload: Record<string, unknown>, secret: string, webhookId: string | null = randomUUID(), shop = SHOP) {
  const body = JSON.stringify(payload);
  const response = await call(stack.api.url, path, {
    rawBody: body,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': shop,
      ...(webhookId === null ? {} : { 'x-shopify-webhook-id': webhookId }),
      'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
    },
  });
  return { ...response, webhookId: webhookId ?? '' };
}

describe('Shopify', () => {
  it('keeps customers and their orders current, once per webhook id, and refuses a bad signature', async () => {
    const shopCustomer = {
      id: 7001,
      email: `buyer-${randomBytes(3).toString('hex')}@shop.example`,
      first_name: 'Bea',
      last_name: 'Buyer',
      phone: '+15551112222',
    };
    const created = await shopify('/api/webhooks/shopify', 'customers/create', shopCustomer, SHOPIFY_API_SECRET);
    expect(created.status).toBe(200);
    await applied('shopify', created.webhookId);
    const updated = await shopify('/api/webhooks/shopify', 'customers/update', { ...shopCustomer, last_name: 'Buyer-Smith' }, SHOPIFY_API_SECRET);
    await applied('shopify', updated.webhookId);
    const order = await shopify(
      '/api/webhooks/shopify',
      'orders/create',
      {
        id: 9001,
        email: shopCustomer.email,
        customer: { ...shopCustomer, last_name: 'Buyer-Smith' },
        financial_status: 'paid',
        fulfillment_status: null,
        total_price: '49.90',
        currency: 'EUR',
      },
      SHOPIFY_API_SECRET,
    );
    await applied('shopify', order.webhookId);

    const customers = await stack.db.selectFrom('customers').selectAll().where('org_id', '=', org.orgId).where('email', '=', shopCustomer.email).execute();
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({ name: 'Bea Buyer-Smith', phone: '+15551112222' });
    const orders = await call(stack.api.url, `/api/v1/commerce/orders?customer_id=${customers[0]!.id}`, { key: org.key });
    expect(orders.body.data).toEqual([expect.objectContaining({ provider: 'shopify', external_id: '9001', status: 'paid', total: '49.90', currency: 'EUR' })]);

    const before = await storedEvents();
    expect((await shopify('/api/webhooks/shopify', 'orders/create', { id: 9001 }, SHOPIFY_API_SECRET, order.webhookId)).status).toBe(200);
    expect((await shopify('/api/webhooks/shopify', 'orders/create', { id: 9002 }, 'WRONG')).status).toBe(401);
    expect((await shopify('/api/webhooks/shopify/gdpr', 'shop/redact', { shop_domain: SHOP }, 'WRONG')).status).toBe(401);
    expect(await storedEvents()).toBe(before);
  });

  it('GDPR: a data request exports what Relay holds, a customer redaction erases it everywhere, a shop redaction its orders', async () => {
    const email = `gdpr-${randomBytes(3).toString('hex')}@shop.example`;
    const shopCustomer = { id: 7100, email, first_name: 'Gina', last_name: 'Private' };
    await applied('shopify', (await shopify('/api/webhooks/shopify', 'customers/create', shopCustomer, SHOPIFY_API_SECRET)).webhookId);
    await applied(
      'shopify',
      (
        await shopify(
          '/api/webhooks/shopify',
          'orders/create',
          { id: 9100, email, customer: shopCustomer, total_price: '10.00', currency: 'EUR' },
          SHOPIFY_API_SECRET,
        )
      ).webhookId,
    );
    const inbound = await call(stack.api.url, '/api/webhooks/inbound-email', {
      rawBody: JSON.stringify({
        From: email,
        FromFull: { Email: email, Name: 'Gina Private' },
        To: support,
        Subject: 'Where is my parcel?',
        TextBody: 'My address is 1 Secret Lane',
        MessageID: randomUUID(),
      }),
      headers: { 'content-type': 'application/json', 'x-postmark-token': 'pm-token' },
    });
    await eventually(() => stack.client.workflow.getHandle(inboundWorkflowId(inbound.body.id)).result(), 'the inbound email');

    const exportRequest = await shopify(
      '/api/webhooks/shopify/gdpr',
      'customers/data_request',
      { shop_domain: SHOP, customer: { id: 7100, email }, data_request: { id: 1 } },
      SHOPIFY_API_SECRET,
    );
    await applied('shopify_gdpr', exportRequest.webhookId);
    const requests = await call(stack.api.url, '/api/v1/gdpr-requests', { key: org.key });
    const dataRequest = requests.body.data.find((entry: { topic: string }) => entry.topic === 'customers/data_request');
    expect(dataRequest.status).toBe('completed');
    expect(dataRequest.export.customers[0]).toMatchObject({ email, name: 'Gina Private' });
    expect(dataRequest.export.orders).toHaveLength(1);
    expect(dataRequest.export.messages.map((message: { body_text: string }) => message.body_text)).toContain('My address is 1 Secret Lane');

    const redact = await shopify(
      '/api/webhooks/shopify/gdpr',
      'customers/redact',
      { shop_domain: SHOP, customer: { id: 7100, email }, orders_to_redact: [9100] },
      SHOPIFY_API_SECRET,
    );
    await applied('shopify_gdpr', redact.webhookId);
    const everywhere = JSON.stringify(
      await Promise.all([
        stack.db.selectFrom('customers').selectAll().where('org_id', '=', org.orgId).execute(),
        stack.db.selectFrom('conversation_messages').selectAll().where('org_id', '=', org.orgId).execute(),
        stack.db.selectFrom('tickets').selectAll().where('org_id', '=', org.orgId).execute(),
        stack.db.selectFrom('inbound_messages').select(['parsed']).where('org_id', '=', org.orgId).execute(),
        stack.db.selectFrom('orders').select(['payload']).where('org_id', '=', org.orgId).execute(),
      ]),
    );
    expect(everywhere).not.toContain(email);
    expect(everywhere).not.toContain('Gina');
    expect(everywhere).not.toContain('Secret Lane');

    const shopRedact = await shopify('/api/webhooks/shopify/gdpr', 'shop/redact', { shop_id: 1, shop_domain: SHOP }, SHOPIFY_API_SECRET);
    await applied('shopify_gdpr', shopRedact.webhookId);
    expect(await stack.db.selectFrom('orders').select('id').where('org_id', '=', org.orgId).where('provider', '=', 'shopify').execute()).toEqual([]);
    const topics = (await call(stack.api.url, '/api/v1/gdpr-requests', { key: org.key })).body.data.map(
      (entry: { topic: string; status: string }) => `${entry.topic}:${entry.status}`,
    );
    expect(topics.sort()).toEqual(['customers/data_request:completed', 'customers/redact:completed', 'shop/redact:completed']);
  });
});

describe('Shopify headers are not signed', () => {
  it("takes the shop from a GDPR request's signed body: a leaked redaction replayed under another shop's header changes nothing", async () => {
    const victim = await createOrgWithKey(stack.db, ['send', 'read', 'admin']);
    const victimShop = `victim-${randomBytes(3).toString('hex')}.myshopify.com`;
    expect((await installOnShop(stack.api.url, victim.key, shopifyApp, victimShop)).status).toBe(200);
    const order = await shopify(
      '/api/webhooks/shopify',
      'orders/create',
      { id: 9900, total_price: '5.00', currency: 'EUR' },
      SHOPIFY_API_SECRET,
      randomUUID(),
      victimShop,
    );
    await applied('shopify', order.webhookId);

    const before = await storedEvents();
    // Signed by Shopify for SHOP (the attacker's own shop), sent again naming the victim's.
    const replayed = await shopify(
      '/api/webhooks/shopify/gdpr',
      'shop/redact',
      { shop_id: 1, shop_domain: SHOP },
      SHOPIFY_API_SECRET,
      randomUUID(),
      victimShop,
    );
    expect(replayed.status).toBe(401);
    expect(await storedEvents()).toBe(before);
    const orders = await stack.db.selectFrom('orders').select('external_id').where('org_id', '=', victim.orgId).execute();
    expect(orders).toEqual([{ external_id: '9900' }]);
  });

  it('refuses a GDPR request without a webhook id, and treats a replayed order body under a new webhook id as a duplicate', async () => {
    const missingId = await shopify(
      '/api/webhooks/shopify/gdpr',
      'customers/data_request',
      { shop_id: 1, shop_domain: SHOP, customer: { id: 1 } },
      SHOPIFY_API_SECRET,
      null,
    );
    expect(missingId.status).toBe(400);
    const payload = { id: 9950, financial_status: 'paid', updated_at: '2026-11-20T10:00:00Z', total_price: '1.00', currency: 'EUR' };
    const first = await shopify('/api/webhooks/shopify', 'orders/updated', payload, SHOPIFY_API_SECRET);
    await applied('shopify', first.webhookId);
    const before = await storedEvents();
    expect((await shopify('/api/webhooks/shopify', 'orders/updated', payload, SHOPIFY_API_SECRET)).status).toBe(200);
    expect(await storedEvents()).toBe(before);
  });

  it('an order update older than the one stored changes nothing', async () => {
    const newer = await shopify(
      '/api/webhooks/shopify',
      'orders/updated',
      { id: 9960, financial_status: 'refunded', updated_at: '2026-11-21T10:00:00Z' },
      SHOPIFY_API_SECRET,
    );
    await applied('shopify', newer.webhookId);
    const older = await shopify(
      '/api/webhooks/shopify',
      'orders/updated',
      { id: 9960, financial_status: 'paid', updated_at: '2026-11-21T09:00:00Z' },
      SHOPIFY_API_SECRET,
    );
    await applied('shopify', older.webhookId);
    const order = await stack.db
      .selectFrom('orders')
      .select('status')
      .where('org_id', '=', org.orgId)
      .where('external_id', '=', '9960')
      .executeTakeFirstOrThrow();
    expect(order.status).toBe('refunded');
  });
});

describe('Stripe', () => {
  async function stripeEvent(path: string, event: Record<string, unknown>, secret: string, timestamp?: number) {
    const payload = JSON.stringify(event);
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });
    return call(stack.api.url, path, { rawBody: payload, headers: { 'content-type': 'application/json', 'stripe-signature': header } });
  }
  const event = (type: string, object: Record<string, unknown>, created: number, extra: Record<string, unknown> = {}) => ({
    id: `evt_${randomBytes(8).toString('hex')}`,
    object: 'event',
    type,
    created,
    data: { object },
    livemode: false,
    ...extra,
  });

  it("keeps the organization's subscription current, whatever order the events come in", async () => {
    const customer = `cus_${randomBytes(6).toString('hex')}`;
    const t0 = Math.floor(Date.now() / 1000) - 100;
    const checkout = event(
      'checkout.session.completed',
      { id: 'cs_1', object: 'checkout.session', metadata: { relay_org_id: org.orgId }, customer, subscription: 'sub_1' },
      t0,
    );
    const subscription = (status: string, price: string) => ({
      id: 'sub_1',
      object: 'subscription',
      customer,
      status,
      current_period_end: 1800000000,
      items: { data: [{ price: { id: price, lookup_key: price } }] },
    });
    const created = event('customer.subscription.created', subscription('trialing', 'starter'), t0 + 1);
    const upgraded = event('customer.subscription.updated', subscription('active', 'pro'), t0 + 3);
    const late = event('customer.subscription.updated', subscription('past_due', 'starter'), t0 + 2);
    const paid = event('invoice.payment_succeeded', { id: 'in_1', object: 'invoice', customer }, t0 + 4);
    for (const body of [checkout, created, upgraded, late, paid]) {
      expect((await stripeEvent('/api/webhooks/stripe', body, STRIPE_SECRET)).status).toBe(200);
      await applied('stripe', body.id);
    }
    const state = await call(stack.api.url, '/api/v1/billing/subscription', { key: org.key });
    expect(state.body).toMatchObject({
      plan: 'pro',
      status: 'active',
      current_period_end: new Date(1800000000 * 1000).toISOString(),
      last_payment: { status: 'succeeded' },
      stripe_customer_id: customer,
    });

    const failed = event('invoice.payment_failed', { id: 'in_2', object: 'invoice', customer }, t0 + 5);
    await stripeEvent('/api/webhooks/stripe', failed, STRIPE_SECRET);
    await applied('stripe', failed.id);
    expect((await call(stack.api.url, '/api/v1/billing/subscription', { key: org.key })).body.last_payment.status).toBe('failed');

    const before = await storedEvents();
    expect((await stripeEvent('/api/webhooks/stripe', failed, STRIPE_SECRET)).status).toBe(200);
    expect((await stripeEvent('/api/webhooks/stripe', event('invoice.payment_failed', {}, t0), 'whsec_wrong')).status).toBe(401);
    expect(
      (await stripeEvent('/api/webhooks/stripe', event('invoice.payment_failed', {}, t0), STRIPE_SECRET, Math.floor(Date.now() / 1000) - 600)).status,
    ).toBe(401);
    expect((await stripeEvent('/api/webhooks/stripe-connect', event('invoice.payment_failed', {}, t0), STRIPE_SECRET)).status).toBe(401);
    expect(await storedEvents()).toBe(before);
  });

  it("never attributes a checkout by client_reference_id: anyone can put an organization's id on a payment link", async () => {
    const victim = await createOrgWithKey(stack.db, ['read']);
    const before = (await call(stack.api.url, '/api/v1/billing/subscription', { key: victim.key })).body;
    const forged = event(
      'checkout.session.completed',
      {
        id: 'cs_forged',
        object: 'checkout.session',
        client_reference_id: victim.orgId,
        customer: `cus_${randomBytes(6).toString('hex')}`,
        subscription: 'sub_x',
      },
      Math.floor(Date.now() / 1000),
    );
    expect((await stripeEvent('/api/webhooks/stripe', forged, STRIPE_SECRET)).status).toBe(200);
    expect(await applied('stripe', forged.id)).toEqual({ orgId: null });
    expect((await call(stack.api.url, '/api/v1/billing/subscription', { key: victim.key })).body).toEqual(before);
  });

  it('attributes Connect events to the organization that connected the account', async () => {
    const body = event('customer.subscription.updated', { id: 'sub_c', object: 'subscription', status: 'active' }, Math.floor(Date.now() / 1000), {
      account: CONNECT_ACCOUNT,
    });
    expect((await stripeEvent('/api/webhooks/stripe-connect', body, STRIPE_CONNECT_SECRET)).status).toBe(200);
    await applied('stripe_connect', body.id);
    const events = await call(stack.api.url, '/api/v1/commerce/events', { key: org.key });
    expect(events.body.data).toContainEqual(expect.objectContaining({ provider: 'stripe_connect', event_id: body.id, account: CONNECT_ACCOUNT }));
  });
});

describe('Resend', () => {
  function signed(payload: Record<string, unknown>) {
    const body = JSON.stringify(payload);
    const id = `msg_${randomBytes(8).toString('hex')}`;
    const now = new Date();
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'svix-id': id,
        'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
        'svix-signature': new Webhook(RESEND_SECRET).sign(id, now, body),
      },
    };
  }

  it('email.received goes into the inbound pipeline (and through the legacy alias)', async () => {
    for (const path of ['/api/webhooks/resend', '/api/webhooks/email']) {
      const from = `r-${randomBytes(3).toString('hex')}@client.example`;
      const request = signed({
        type: 'email.received',
        created_at: new Date().toISOString(),
        data: { email_id: randomUUID(), from, to: [support], subject: 'Via Resend', text: 'Hello from Resend' },
      });
      const response = await call(stack.api.url, path, { rawBody: request.body, headers: request.headers });
      expect(response.status).toBe(200);
      const row = await eventually(
        () =>
          stack.db
            .selectFrom('inbound_messages')
            .select('id')
            .where('provider', '=', 'resend')
            .where(({ ref }) => ref('raw'), 'is not', null)
            .orderBy('received_at', 'desc')
            .executeTakeFirst(),
        'stored',
      );
      await eventually(() => stack.client.workflow.getHandle(inboundWorkflowId(row.id)).result(), 'threaded');
      const threaded = await stack.db
        .selectFrom('conversation_messages')
        .select('from_address')
        .where('org_id', '=', org.orgId)
        .where('from_address', '=', from)
        .execute();
      expect(threaded).toHaveLength(1);
    }
  });

  it('delivery events land on the email Relay knows, and are kept otherwise', async () => {
    const emailId = randomUUID();
    await insertEmail(stack.db, {
      id: emailId,
      orgId: org.orgId,
      content: { from: support, to: ['x@client.example'], cc: [], bcc: [], reply_to: [], subject: 's', html: null, text: 't', headers: {}, attachments: [] },
      tags: {},
      metadata: {},
    });
    await stack.db
      .updateTable('emails')
      .set({ status: 'sent', ses_message_id: `resend-${emailId}` })
      .where('id', '=', emailId)
      .execute();
    const known = signed({
      type: 'email.delivered',
      created_at: new Date().toISOString(),
      data: { email_id: 're_1', to: ['x@client.example'], tags: { relay_org_id: org.orgId, relay_email_id: emailId } },
    });
    await call(stack.api.url, '/api/webhooks/resend', { rawBody: known.body, headers: known.headers });
    await applied('resend', known.headers['svix-id']);
    const email = (await call(stack.api.url, `/api/v1/emails/${emailId}`, { key: org.key })).body;
    expect(email.status).toBe('delivered');
    expect(email.events.at(-1)).toMatchObject({ type: 'delivered', recipient: 'x@client.example', detail: { source: 'resend' } });

    const unknown = signed({ type: 'email.bounced', created_at: new Date().toISOString(), data: { email_id: 're_2', to: ['y@client.example'] } });
    await call(stack.api.url, '/api/webhooks/resend', { rawBody: unknown.body, headers: unknown.headers });
    expect(await applied('resend', unknown.headers['svix-id'])).toEqual({ orgId: null });

    const forged = { ...unknown.headers, 'svix-signature': 'v1,AAAA' };
    expect((await call(stack.api.url, '/api/webhooks/resend', { rawBody: unknown.body, headers: forged })).status).toBe(401);
  });
});

describe('Amazon Seller Central', () => {
  const notify = (message: Record<string, unknown>, topic = AMAZON_TOPIC) =>
    signSnsMessage(snsKey, {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: topic,
      Timestamp: new Date().toISOString(),
      Message: JSON.stringify(message),
    });
  const post = (message: unknown) =>
    call(stack.api.url, '/api/amazon/webhook', { rawBody: JSON.stringify(message), headers: { 'content-type': 'text/plain' } });

  it("stores verified order and return notifications for the seller's organization, and refuses other topics", async () => {
    const orderNotification = {
      NotificationVersion: '1.0',
      NotificationType: 'ORDER_CHANGE',
      Payload: { OrderChangeNotification: { SellerId: SELLER, AmazonOrderId: '113-1234567-1234567', Summary: { OrderStatus: 'Shipped' } } },
      NotificationMetadata: { NotificationId: randomUUID(), PublishTime: new Date().toISOString() },
    };
    expect((await post(notify(orderNotification))).status).toBe(200);
    await applied('amazon', orderNotification.NotificationMetadata.NotificationId);
    const returnNotification = {
      NotificationType: 'RETURN_REQUEST',
      Payload: { SellerId: SELLER, ReturnId: 'R-42', AmazonOrderId: '113-1234567-1234567', ReturnStatus: 'Requested' },
      NotificationMetadata: { NotificationId: randomUUID() },
    };
    await post(notify(returnNotification));
    await applied('amazon', returnNotification.NotificationMetadata.NotificationId);
    const orders = await call(stack.api.url, '/api/v1/commerce/orders', { key: org.key });
    expect(
      orders.body.data
        .filter((order: { provider: string }) => order.provider === 'amazon')
        .map((order: { kind: string; external_id: string; status: string }) => [order.kind, order.external_id, order.status])
        .sort(),
    ).toEqual([
      ['order', '113-1234567-1234567', 'Shipped'],
      ['return', 'R-42', 'Requested'],
    ]);

    const before = await storedEvents();
    expect((await post(notify(orderNotification, 'arn:aws:sns:us-east-1:999999999999:other'))).status).toBe(401);
    expect((await post({ ...notify(orderNotification), Message: '{"tampered":true}' })).status).toBe(401);
    expect(await storedEvents()).toBe(before);
  });
});
