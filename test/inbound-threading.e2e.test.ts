import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundWorkflowId } from '../src/temporal/ids.js';
import { ProductFake } from './fakes/product-server.js';
import { call, eventually } from './support/http.js';
import { mailgunSignature, mime, multipart, sendgridKeys, sendgridSign } from './support/inbound-mail.js';
import { makeSigningCertificate, signSnsMessage } from './support/sns.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const DOMAIN = 'relay-threading.test';
const MAILGUN_KEY = 'mailgun-signing-key';
const POSTMARK_TOKEN = 'postmark-inbound-token';
const SES_TOPIC = 'arn:aws:sns:us-east-1:123456789012:relay-inbound-threading';
const sendgrid = sendgridKeys();
const { key: snsKey, certificate } = makeSigningCertificate();
const psa = new ProductFake();
let stack: Stack;
let acme: { orgId: string; key: string; support: string };
let globex: { orgId: string; key: string; support: string };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

beforeAll(async () => {
  await psa.start();
  stack = await startStack({
    env: {
      RELAY_INBOUND_DOMAIN: DOMAIN,
      PSA_API_URL: psa.url,
      INTEGRATION_KEY: 'integration-key',
      MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
      SENDGRID_INBOUND_PUBLIC_KEY: sendgrid.publicKeyPem,
      POSTMARK_INBOUND_TOKEN: POSTMARK_TOKEN,
      CLOUDMAILIN_USERNAME: 'cloud',
      CLOUDMAILIN_PASSWORD: 'mailin-pass',
      SES_INBOUND_TOPIC_ARNS: SES_TOPIC,
    },
    fetchSnsCertificate: async () => certificate,
  });
  const organization = async (name: string) => {
    const org = await createOrgWithKey(stack.db, ['read', 'admin', 'helpdesk']);
    // The address a tenant forwards its own support mailbox to, under its verified sending domain (so the claim is proven at once).
    const support = `${name}-${hex(3)}@${org.domain}`;
    expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } })).status).toBe(201);
    return { ...org, support };
  };
  acme = await organization('acme');
  globex = await organization('globex');
});
afterAll(async () => {
  await stack?.stop();
  await psa.stop();
});

async function post(body: Buffer | string, contentType: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.api.url}/api/webhooks/inbound-email`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  const id = (JSON.parse(text) as { id: string }).id;
  return eventually(() => stack.client.workflow.getHandle(inboundWorkflowId(id)).result(), `inbound ${id}`).then((outcome) => ({ id, outcome }));
}

interface Mail {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** The envelope recipient: where the mail was really delivered. */
  envelope: string;
  fromName?: string;
}

/** The same forwarded or BCC'd message through each provider, naming the envelope recipient the provider's way. */
const providers: Record<string, (mail: Mail) => Promise<{ id: string; outcome: unknown }>> = {
  async 'Mailgun (MIME, recipient)'(mail) {
    const form = await multipart({ ...mailgunSignature(MAILGUN_KEY), 'body-mime': mime.plain(mail), recipient: mail.envelope });
    return post(form.body, form.contentType);
  },
  async 'SendGrid (parsed, envelope)'(mail) {
    const form = await multipart({
      headers: `Message-ID: <${randomUUID()}@client.example>\nFrom: ${mail.from}\nTo: ${mail.to}\nSubject: ${mail.subject}\n`,
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      envelope: JSON.stringify({ to: [mail.envelope], from: mail.from }),
    });
    const { timestamp, signature } = sendgridSign(sendgrid.privateKey, form.body);
    return post(form.body, form.contentType, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp });
  },
  async 'Postmark (OriginalRecipient)'(mail) {
    const body = JSON.stringify({
      From: mail.from,
      FromName: mail.fromName ?? '',
      FromFull: { Email: mail.from, Name: mail.fromName ?? '' },
      To: mail.to,
      OriginalRecipient: mail.envelope,
      Subject: mail.subject,
      TextBody: mail.text,
      MessageID: randomUUID(),
      Headers: [],
    });
    return post(body, 'application/json', { 'x-postmark-token': POSTMARK_TOKEN });
  },
  async 'SES receiving (receipt.recipients)'(mail) {
    const message = signSnsMessage(snsKey, {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: SES_TOPIC,
      Timestamp: new Date().toISOString(),
      Message: JSON.stringify({
        notificationType: 'Received',
        mail: { messageId: `ses-in-${hex(6)}`, source: mail.from, destination: [mail.envelope] },
        receipt: { recipients: [mail.envelope], action: { type: 'SNS', topicArn: SES_TOPIC, encoding: 'BASE64' } },
        content: Buffer.from(mime.plain(mail)).toString('base64'),
      }),
    });
    return post(JSON.stringify(message), 'text/plain; charset=UTF-8', { 'x-amz-sns-message-type': 'Notification' });
  },
  async 'Cloudmailin (envelope.to)'(mail) {
    const body = JSON.stringify({
      headers: { from: mail.from, to: mail.to, subject: mail.subject, message_id: `<${randomUUID()}@client.example>` },
      envelope: { to: mail.envelope, from: mail.from, recipients: [mail.envelope] },
      plain: mail.text,
    });
    return post(body, 'application/json', { authorization: `Basic ${Buffer.from('cloud:mailin-pass').toString('base64')}` });
  },
};

async function ticketsFrom(orgId: string, address: string) {
  return stack.db
    .selectFrom('tickets')
    .innerJoin('customers', 'customers.id', 'tickets.customer_id')
    .select(['tickets.id', 'tickets.number', 'tickets.subject', 'customers.name'])
    .where('tickets.org_id', '=', orgId)
    .where('customers.email', '=', address)
    .orderBy('tickets.number')
    .execute();
}

const customer = () => `customer-${hex(4)}@client.example`;

describe('routing by the envelope recipient', () => {
  it.each(Object.keys(providers))("%s: mail forwarded from the tenant's own mailbox reaches that tenant's helpdesk", async (provider) => {
    const from = customer();
    // The customer wrote to the tenant's own address; its mailbox forwarded the mail to Relay.
    const { outcome } = await providers[provider]!({
      from,
      to: 'support@acme-corp.example',
      subject: `Forwarded via ${provider}`,
      text: 'Hello',
      envelope: acme.support,
    });
    expect(outcome).toEqual({ outcome: 'threaded' });
    expect((await ticketsFrom(acme.orgId, from)).map((ticket) => ticket.subject)).toEqual([`Forwarded via ${provider}`]);
    expect(await ticketsFrom(globex.orgId, from)).toEqual([]);
  });

  it("a BCC to Relay reaches the tenant whose address was BCC'd, and no other", async () => {
    const from = customer();
    const { outcome } = await providers['Mailgun (MIME, recipient)']!({
      from,
      to: 'partner@elsewhere.example',
      subject: 'Order 1234 (bcc)',
      text: 'FYI',
      envelope: globex.support,
    });
    expect(outcome).toEqual({ outcome: 'threaded' });
    expect(await ticketsFrom(globex.orgId, from)).toHaveLength(1);
    expect(await ticketsFrom(acme.orgId, from)).toEqual([]);
  });

  it('mail forwarded to support+{tenant}@ on the inbound domain goes to PSA for that tenant', async () => {
    const { outcome } = await providers['Postmark (OriginalRecipient)']!({
      from: customer(),
      to: 'help@tenant.example',
      subject: 'PSA please',
      text: 'x',
      envelope: `support+acme-42@${DOMAIN}`,
    });
    expect(outcome).toEqual({ outcome: 'routed' });
    expect(psa.accepted().at(-1)!.headers).toBeDefined();
    expect(psa.answered.at(-1)!.request.path).toBe('/api/integrations/relay/tenants/acme-42/tickets');
  });

  it('mail that names no address of anyone in its envelope or headers is still archived as no_route', async () => {
    const { id, outcome } = await providers['Postmark (OriginalRecipient)']!({
      from: customer(),
      to: 'a@nowhere.example',
      subject: 'Lost',
      text: 'x',
      envelope: 'b@nowhere.example',
    });
    expect(outcome).toMatchObject({ outcome: 'archived' });
    expect((await stack.db.selectFrom('inbound_messages').select('archive_reason').where('id', '=', id).executeTakeFirstOrThrow()).archive_reason).toBe(
      'no_route',
    );
  });
});

describe('[Ticket #n] in a subject', () => {
  it('appends to the ticket when its customer writes, and opens a new ticket when a stranger types the number', async () => {
    const owner = customer();
    await providers['Postmark (OriginalRecipient)']!({ from: owner, to: acme.support, subject: 'Broken login', text: 'Help', envelope: acme.support });
    const [ticket] = await ticketsFrom(acme.orgId, owner);

    await providers['Postmark (OriginalRecipient)']!({
      from: owner,
      to: acme.support,
      subject: `Re: Broken login [Ticket #${ticket!.number}]`,
      text: 'Any news?',
      envelope: acme.support,
    });
    expect(await ticketsFrom(acme.orgId, owner)).toHaveLength(1);
    const messages = await stack.db.selectFrom('conversation_messages').select('body_text').where('ticket_id', '=', ticket!.id).execute();
    expect(messages).toHaveLength(2);

    const stranger = customer();
    await providers['Postmark (OriginalRecipient)']!({
      from: stranger,
      to: acme.support,
      subject: `[Ticket #${ticket!.number}] let me in`,
      text: 'Show me the thread',
      envelope: acme.support,
    });
    expect(await stack.db.selectFrom('conversation_messages').select('id').where('ticket_id', '=', ticket!.id).execute()).toHaveLength(2);
    const opened = await ticketsFrom(acme.orgId, stranger);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.id).not.toBe(ticket!.id);
  });
});

describe("Postmark's FromName", () => {
  it("is kept as the customer's name, commas and all, and names a customer first known without one", async () => {
    const from = customer();
    await providers['Postmark (OriginalRecipient)']!({ from, to: acme.support, subject: 'No name yet', text: 'x', envelope: acme.support });
    expect((await ticketsFrom(acme.orgId, from))[0]!.name).toBeNull();
    await providers['Postmark (OriginalRecipient)']!({
      from,
      fromName: 'Doe, Jane "JD"',
      to: acme.support,
      subject: 'With a name',
      text: 'x',
      envelope: acme.support,
    });
    expect((await ticketsFrom(acme.orgId, from)).map((ticket) => ticket.name)).toEqual(['Doe, Jane "JD"', 'Doe, Jane "JD"']);
  });
});
