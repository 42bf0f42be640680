import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { commerceEventWorkflowId, dialpadCallWorkflowId, inboundWorkflowId, sesEventWorkflowId } from '../src/temporal/ids.js';
import { FakeShopify } from './fakes/fake-shopify.js';
import { RecordingServer } from './fakes/recording-server.js';
import { installOnShop } from './support/commerce-connect.js';
import { call, eventually } from './support/http.js';
import { TOPIC_ARN, makeSigningCertificate, sesEvents, sesNotification } from './support/sns.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { trpc } from './support/trpc.js';

// A Shopify customer's data reaches almost every part of Relay: the helpdesk, inbound
// mail and its attachments, mail sent to them and SES's events about it, outgoing webhook
// payloads (and what receivers answered), stored Shopify payloads and orders, Dialpad
// calls and texts. A data request must export all of it; a redaction must leave none.

const SHOP = `gdpr-${randomBytes(3).toString('hex')}.myshopify.com`;
const SHOPIFY_API_SECRET = 'shopify-app-api-secret';
const shopifyApp = new FakeShopify('shopify-app-key', SHOPIFY_API_SECRET);
const DIALPAD_NUMBER = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const DIALPAD_SECRET = 'dialpad-webhook-secret';
const { key: snsKey, certificate } = makeSigningCertificate();

// The data subject: every value below must be gone from every table after the redaction.
const tag = randomBytes(3).toString('hex');
const subject = {
  shopifyId: 7000 + Math.floor(Math.random() * 1000),
  email: `gina.${tag}@shop.example`,
  firstName: 'Gina',
  lastName: `Privatova${tag}`,
  phone: `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
  secret: `Flat 4, ${tag} Secret Lane`,
  attachment: Buffer.from(`passport number P${tag}X`),
};

// Answers with the body it got: what a receiver answers is stored as the attempt's excerpt.
const receiver = new RecordingServer((request, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(request.body));
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;
let support: string;
let dialpadChannel: string;

beforeAll(async () => {
  await Promise.all([receiver.start(), shopifyApp.start()]);
  stack = await startStack({
    env: {
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
      SHOPIFY_API_KEY: shopifyApp.apiKey,
      SHOPIFY_SHOP_BASE_URL: `${shopifyApp.url}/{shop}`,
      SHOPIFY_API_SECRET,
      POSTMARK_INBOUND_TOKEN: 'pm-token',
      SNS_TOPIC_ARNS: TOPIC_ARN,
      DIALPAD_VOICEMAIL_WAIT_SECONDS: '1',
      DIALPAD_AFTER_HANGUP_WAIT_SECONDS: '0.2',
    },
    fetchSnsCertificate: async () => certificate,
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin', 'webhooks']);
  support = `help-${tag}@${org.domain}`;
  expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } })).status).toBe(201);
  expect((await installOnShop(stack.api.url, org.key, shopifyApp, SHOP)).status).toBe(200);
  const dialpad = await call(stack.api.url, '/api/v1/channels', { key: org.key, body: { type: 'dialpad', address: DIALPAD_NUMBER, secret: DIALPAD_SECRET } });
  expect(dialpad.status).toBe(201);
  dialpadChannel = dialpad.body.id;
  const webhook = await trpc(stack.api.url, org.key, 'webhooks.create', {
    url: `${receiver.url}/hook`,
    events: ['ticket.created', 'conversation.created', 'customer.created', 'customer.updated'],
  });
  expect(webhook.status).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
  await receiver.stop();
});

async function shopify(path: string, topic: string, payload: Record<string, unknown>, secret: string) {
  const body = JSON.stringify(payload);
  const webhookId = randomUUID();
  const response = await call(stack.api.url, path, {
    rawBody: body,
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': SHOP,
      'x-shopify-webhook-id': webhookId,
      'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64'),
    },
  });
  expect(response.status).toBe(200);
  const provider = path.endsWith('/gdpr') ? 'shopify_gdpr' : 'shopify';
  const row = await eventually(
    () => stack.db.selectFrom('commerce_events').select('id').where('provider', '=', provider).where('event_id', '=', webhookId).executeTakeFirst(),
    `${topic} stored`,
  );
  await eventually(() => stack.client.workflow.getHandle(commerceEventWorkflowId(row.id)).result(), `${topic} applied`);
}

async function dialpad(payload: Record<string, unknown>) {
  const body = JSON.stringify(payload);
  const response = await call(stack.api.url, '/api/webhooks/dialpad', {
    rawBody: body,
    headers: { 'content-type': 'application/json', 'x-dialpad-signature': createHmac('sha256', DIALPAD_SECRET).update(body).digest('hex') },
  });
  expect(response.status).toBe(200);
}

const shopifyCustomer = { id: subject.shopifyId, email: subject.email, first_name: subject.firstName, last_name: subject.lastName, phone: subject.phone };

/** Puts the subject's data everywhere Relay keeps data, through the same doors real traffic uses. */
async function seedEverywhere(): Promise<void> {
  await shopify('/api/webhooks/shopify', 'customers/create', shopifyCustomer, SHOPIFY_API_SECRET);
  await shopify(
    '/api/webhooks/shopify',
    'orders/create',
    { id: 91000 + subject.shopifyId, email: subject.email, customer: shopifyCustomer, shipping_address: { address1: subject.secret }, total_price: '10.00' },
    SHOPIFY_API_SECRET,
  );

  // Mail from the customer, with an attachment, into the helpdesk (webhook events go out).
  const inbound = await call(stack.api.url, '/api/webhooks/inbound-email', {
    rawBody: JSON.stringify({
      From: subject.email,
      FromFull: { Email: subject.email, Name: `${subject.firstName} ${subject.lastName}` },
      To: support,
      Subject: `Parcel for ${subject.lastName}`,
      TextBody: `Please deliver to ${subject.secret}`,
      MessageID: randomUUID(),
      Attachments: [
        { Name: 'passport.txt', ContentType: 'text/plain', Content: subject.attachment.toString('base64'), ContentLength: subject.attachment.length },
      ],
    }),
    headers: { 'content-type': 'application/json', 'x-postmark-token': 'pm-token' },
  });
  expect(inbound.status).toBe(200);
  await eventually(() => stack.client.workflow.getHandle(inboundWorkflowId(inbound.body.id)).result(), 'the inbound email');

  // Mail to the customer, with an attachment, and SES's events about it.
  const sent = await call(stack.api.url, '/api/v1/emails', {
    key: org.key,
    body: {
      from: support,
      to: [subject.email],
      subject: `Your parcel, ${subject.firstName} ${subject.lastName}`,
      text: `We ship to ${subject.secret}`,
      attachments: [{ filename: 'copy.txt', content: subject.attachment.toString('base64'), content_type: 'text/plain' }],
    },
  });
  expect(sent.status).toBe(202);
  const email = await eventually(async () => {
    const current = (await call(stack.api.url, `/api/v1/emails/${sent.body.id}`, { key: org.key })).body;
    return current.status === 'sent' ? current : undefined;
  }, 'the email sent');
  const mail = sesEvents.mail(email.ses_message_id, [subject.email]);
  for (const record of [sesEvents.delivery(mail, [subject.email]), sesEvents.complaint(mail, [subject.email])]) {
    const notification = sesNotification(snsKey, record);
    const posted = await call(stack.api.url, '/api/webhooks/ses', {
      rawBody: JSON.stringify(notification),
      headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
    });
    expect(posted.status).toBe(200);
    await eventually(() => stack.client.workflow.getHandle(sesEventWorkflowId(notification.MessageId)).result(), 'the SES event');
  }

  // A voicemail and a text from the customer's phone.
  const callId = `call-${tag}`;
  const callEvent = (state: string, extra: Record<string, unknown> = {}) => ({
    call_id: callId,
    state,
    direction: 'inbound',
    target: { phone_number: DIALPAD_NUMBER },
    contact: { phone_number: subject.phone, name: `${subject.firstName} ${subject.lastName}` },
    started_at: 1714000000,
    ...extra,
  });
  await dialpad(callEvent('voicemail'));
  await dialpad(callEvent('voicemail_uploaded', { voicemail_link: `https://dialpad.example/vm/${tag}.mp3` }));
  await dialpad(callEvent('transcription', { transcription_text: `This is ${subject.lastName}, I moved to ${subject.secret}` }));
  await eventually(() => stack.client.workflow.getHandle(dialpadCallWorkflowId(dialpadChannel, callId)).result(), 'the voicemail');
  await dialpad({
    event_type: 'sms',
    direction: 'inbound',
    from_number: subject.phone,
    to_number: DIALPAD_NUMBER,
    text: `Still at ${subject.secret}?`,
    timestamp: 1714000001,
  });
  await eventually(
    () => stack.db.selectFrom('conversation_messages').select('id').where('org_id', '=', org.orgId).where('body_text', 'like', `Still at%`).executeTakeFirst(),
    'the text threaded',
  );
  await eventually(async () => (receiver.requests.length >= 3 ? true : undefined), 'webhook deliveries');
  await eventually(
    async () =>
      (await stack.db.selectFrom('webhook_deliveries').select('id').where('org_id', '=', org.orgId).where('status', '=', 'pending').execute()).length === 0
        ? true
        : undefined,
    'every webhook delivery settled',
  );
}

/** Every place (table.column) where one of the values occurs, scanning each text, json, bytea and array column of every table. */
async function whereFound(values: string[]): Promise<string[]> {
  const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select c.table_name, c.column_name, c.data_type from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
      and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY')`.execute(stack.db);
  const found: string[] = [];
  for (const { table_name: table, column_name: column, data_type: type } of columns.rows) {
    const ref = sql.ref(`${table}.${column}`);
    const asText = type === 'bytea' ? sql`encode(${ref}, 'escape')` : type === 'ARRAY' ? sql`array_to_string(${ref}, ' ')` : sql`${ref}::text`;
    for (const value of values) {
      const hits = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where strpos(lower(${asText}), lower(${value})) > 0`.execute(
        stack.db,
      );
      if (Number(hits.rows[0]!.n) > 0) found.push(`${table}.${column} has ${value}`);
    }
  }
  return found;
}

const needles = () => [
  subject.email,
  subject.lastName,
  subject.phone,
  subject.phone.slice(1),
  subject.secret,
  subject.attachment.toString('utf8'),
  subject.attachment.toString('base64'),
];

describe('GDPR requests reach everywhere Relay keeps data', () => {
  it('a data request exports it all; a customer redaction leaves none of it in any table (the suppression list keeps the bare address)', async () => {
    await seedEverywhere();
    const before = await whereFound(needles());
    // The seeding really did put the data in the places a redaction used to miss.
    for (const place of [
      'emails.content',
      'email_events.recipient',
      'sns_messages.payload',
      'inbound_attachments.content',
      'webhook_events.payload',
      'orders.payload',
      'dialpad_calls.transcription',
    ]) {
      expect(before.some((entry) => entry.startsWith(`${place} `))).toBe(true);
    }

    await shopify(
      '/api/webhooks/shopify/gdpr',
      'customers/data_request',
      { shop_domain: SHOP, customer: { id: subject.shopifyId, email: subject.email, phone: subject.phone } },
      SHOPIFY_API_SECRET,
    );
    const requests = (await call(stack.api.url, '/api/v1/gdpr-requests', { key: org.key })).body.data;
    const exported = requests.find((entry: { topic: string }) => entry.topic === 'customers/data_request').export;
    const text = JSON.stringify(exported);
    for (const section of [
      'customers',
      'tickets',
      'messages',
      'orders',
      'inbound_emails',
      'sent_emails',
      'email_events',
      'webhook_events',
      'channel_messages',
      'dialpad_calls',
    ]) {
      expect(exported[section], section).toBeDefined();
      expect(exported[section].length, section).toBeGreaterThan(0);
    }
    expect(exported.sent_emails[0].content.text).toContain(subject.secret);
    expect(exported.inbound_emails[0].attachments).toEqual([
      { filename: 'passport.txt', content_type: 'text/plain', size: subject.attachment.length, content: subject.attachment.toString('base64') },
    ]);
    expect(exported.dialpad_calls[0].transcription).toContain(subject.secret);
    expect(text).toContain(subject.phone);

    await shopify(
      '/api/webhooks/shopify/gdpr',
      'customers/redact',
      { shop_domain: SHOP, customer: { id: subject.shopifyId, email: subject.email, phone: subject.phone }, orders_to_redact: [91000 + subject.shopifyId] },
      SHOPIFY_API_SECRET,
    );
    // Honoring the complaint needs the address on the suppression list (GDPR art. 17(3)(b),
    // docs/security.md): it stays there, with nothing else about the person.
    expect(await whereFound(needles())).toEqual([`suppressions.address has ${subject.email}`]);
    const suppression = await stack.db.selectFrom('suppressions').selectAll().where('org_id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(suppression).toMatchObject({ address: subject.email, reason: 'complaint', detail: {} });

    // The records themselves stay (counts, statuses, dates), without the person in them.
    const tickets = await stack.db.selectFrom('tickets').select(['status']).where('org_id', '=', org.orgId).execute();
    expect(tickets.length).toBeGreaterThanOrEqual(3);
    const emails = await call(stack.api.url, '/api/v1/emails', { key: org.key });
    expect(emails.body.data).toEqual([expect.objectContaining({ status: 'complained' })]);
  });
});
