import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEmail } from '../src/emails/repository.js';
import { inboundWorkflowId } from '../src/temporal/ids.js';
import { ProductFake } from './fakes/product-server.js';
import { runCli } from './support/cli.js';
import { call, eventually } from './support/http.js';
import { mailgunSignature, mime, multipart, sendgridKeys, sendgridSign, sesMessageId } from './support/inbound-mail.js';
import { makeSigningCertificate, signSnsMessage } from './support/sns.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const DOMAIN = 'relay.test';
const MAILGUN_KEY = 'mailgun-signing-key';
const POSTMARK_TOKEN = 'postmark-inbound-token';
const SES_TOPIC = 'arn:aws:sns:us-east-1:123456789012:relay-inbound';
const sendgrid = sendgridKeys();
const { key: snsKey, certificate } = makeSigningCertificate();
const psa = new ProductFake();
const portal = new ProductFake();
const bus = new ProductFake();
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;
let support: string;

beforeAll(async () => {
  await Promise.all([psa.start(), portal.start(), bus.start()]);
  stack = await startStack({
    env: {
      RELAY_INBOUND_DOMAIN: DOMAIN,
      PSA_API_URL: psa.url,
      PORTAL_API_URL: portal.url,
      INTEGRATION_KEY: 'integration-key',
      INBOUND_ROUTE_MAX_ATTEMPTS: '2',
      MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
      SENDGRID_INBOUND_PUBLIC_KEY: sendgrid.publicKeyPem,
      POSTMARK_INBOUND_TOKEN: POSTMARK_TOKEN,
      CLOUDMAILIN_USERNAME: 'cloud',
      CLOUDMAILIN_PASSWORD: 'mailin-pass',
      SES_INBOUND_TOPIC_ARNS: SES_TOPIC,
      BUS_API_URL: bus.url,
      BUS_INTEGRATION_KEY: 'bus-key',
    },
    fetchSnsCertificate: async () => certificate,
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin']);
  // On the organization's verified sending domain: proven at once.
  support = `help-${randomBytes(3).toString('hex')}@${org.domain}`;
  expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } })).body.status).toBe('active');
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([psa.stop(), portal.stop(), bus.stop()]);
});

const customer = () => `customer-${randomBytes(4).toString('hex')}@client.example`;

async function post(body: Buffer | string, contentType: string, headers: Record<string, string> = {}, query = '') {
  const response = await fetch(`${stack.api.url}/api/webhooks/inbound-email${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function outcome(inboundId: string) {
  return eventually(() => stack.client.workflow.getHandle(inboundWorkflowId(inboundId)).result(), `inbound ${inboundId}`);
}

async function inboundRows() {
  return stack.db.selectFrom('inbound_messages').select(['id']).execute();
}

const providers = {
  async mailgun(raw: string) {
    const form = await multipart({ ...mailgunSignature(MAILGUN_KEY), 'body-mime': raw, recipient: support });
    return post(form.body, form.contentType);
  },
  async mailgunParsed(o: { from: string; to: string; subject: string; text: string }) {
    const messageId = `<${randomUUID()}@client.example>`;
    const form = await multipart(
      {
        ...mailgunSignature(MAILGUN_KEY),
        recipient: o.to,
        sender: o.from,
        from: o.from,
        subject: o.subject,
        'body-plain': o.text,
        'stripped-text': o.text,
        'message-headers': JSON.stringify([
          ['Message-Id', messageId],
          ['To', o.to],
          ['From', o.from],
          ['Subject', o.subject],
        ]),
        'attachment-count': '1',
      },
      [{ field: 'attachment-1', filename: 'photo.png', type: 'image/png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }],
    );
    return post(form.body, form.contentType);
  },
  async sendgridRaw(raw: string) {
    const form = await multipart({ email: raw, to: support, envelope: JSON.stringify({ to: [support], from: 'x@client.example' }) });
    const { timestamp, signature } = sendgridSign(sendgrid.privateKey, form.body);
    return post(form.body, form.contentType, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp });
  },
  async sendgridParsed(o: { from: string; to: string; subject: string; text: string }) {
    const form = await multipart({
      headers: `Message-ID: <${randomUUID()}@client.example>\nFrom: ${o.from}\nTo: ${o.to}\nSubject: ${o.subject}\n`,
      from: o.from,
      to: o.to,
      subject: o.subject,
      text: o.text,
      envelope: JSON.stringify({ to: [o.to], from: o.from }),
    });
    const { timestamp, signature } = sendgridSign(sendgrid.privateKey, form.body);
    return post(form.body, form.contentType, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp });
  },
  async postmark(o: { from: string; to: string; subject: string; text: string }, via: 'header' | 'url' = 'header') {
    const body = JSON.stringify({
      From: o.from,
      FromFull: { Email: o.from, Name: 'John Doe' },
      To: o.to,
      Subject: o.subject,
      TextBody: o.text,
      HtmlBody: `<p>${o.text}</p>`,
      StrippedTextReply: o.text,
      MessageID: randomUUID(),
      Headers: [{ Name: 'X-Spam-Status', Value: 'No' }],
      Attachments: [{ Name: 'file.pdf', ContentType: 'application/pdf', Content: Buffer.from('%PDF').toString('base64'), ContentLength: 4 }],
    });
    return via === 'header'
      ? post(body, 'application/json', { 'x-postmark-token': POSTMARK_TOKEN })
      : post(body, 'application/json', {}, `?token=${POSTMARK_TOKEN}`);
  },
  async cloudmailin(o: { from: string; to: string; subject: string; text: string }, password = 'mailin-pass') {
    const body = JSON.stringify({
      headers: { from: o.from, to: o.to, subject: o.subject, message_id: `<${randomUUID()}@client.example>`, date: 'Thu, 26 Nov 2026 10:00:00 +0000' },
      envelope: { to: o.to, from: o.from, recipients: [o.to] },
      plain: o.text,
      html: `<p>${o.text}</p>`,
      reply_plain: o.text,
      attachments: [
        { file_name: 'notes.txt', content_type: 'text/plain', size: 5, disposition: 'attachment', content: Buffer.from('notes').toString('base64') },
      ],
    });
    return post(body, 'application/json', { authorization: `Basic ${Buffer.from(`cloud:${password}`).toString('base64')}` });
  },
  /** Raw MIME through SendGrid's raw mode. */
  async rawMime(raw: string) {
    const form = await multipart({ email: raw });
    const { timestamp, signature } = sendgridSign(sendgrid.privateKey, form.body);
    return post(form.body, form.contentType, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp });
  },
  async ses(raw: string) {
    const message = signSnsMessage(snsKey, {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: SES_TOPIC,
      Timestamp: new Date().toISOString(),
      Message: JSON.stringify({
        notificationType: 'Received',
        mail: { messageId: `ses-in-${randomBytes(6).toString('hex')}`, source: 'x@client.example', destination: [support] },
        receipt: { recipients: [support], action: { type: 'SNS', topicArn: SES_TOPIC, encoding: 'BASE64' } },
        content: Buffer.from(raw).toString('base64'),
      }),
    });
    return post(JSON.stringify(message), 'text/plain; charset=UTF-8', { 'x-amz-sns-message-type': 'Notification' });
  },
};

describe('receiving: every provider, verified', () => {
  it.each([
    ['Mailgun (MIME)', (o: Mail) => providers.mailgun(mime.plain(o))],
    ['Mailgun (parsed fields, attachment)', (o: Mail) => providers.mailgunParsed(o)],
    ['SendGrid (raw)', (o: Mail) => providers.sendgridRaw(mime.plain(o))],
    ['SendGrid (parsed)', (o: Mail) => providers.sendgridParsed(o)],
    ['Postmark (token header)', (o: Mail) => providers.postmark(o)],
    ['Postmark (token in URL)', (o: Mail) => providers.postmark(o, 'url')],
    ['Cloudmailin (JSON, basic auth)', (o: Mail) => providers.cloudmailin(o)],
    ['SES receiving (SNS)', (o: Mail) => providers.ses(mime.plain(o))],
  ])('%s: a new customer message becomes a helpdesk ticket', async (_name, send) => {
    const from = customer();
    const response = await send({ from, to: support, subject: 'Printer on fire', text: 'Please help, the printer is on fire.' });
    expect(response.status).toBe(200);
    expect(await outcome(response.body.id)).toEqual({ outcome: 'threaded' });

    const { body } = await call(stack.api.url, `/api/v1/inbound/${response.body.id}`, { key: org.key });
    expect(body).toMatchObject({
      status: 'threaded',
      classification: 'inbound',
      route: 'helpdesk',
      message: { from: { address: from }, subject: 'Printer on fire' },
    });
    expect(body.message.text ?? body.message.html).toContain('printer is on fire');
    const ticket = await stack.db
      .selectFrom('conversation_messages')
      .innerJoin('tickets', 'tickets.id', 'conversation_messages.ticket_id')
      .select(['tickets.subject', 'tickets.org_id', 'conversation_messages.from_address'])
      .where('conversation_messages.inbound_id', '=', response.body.id)
      .executeTakeFirstOrThrow();
    expect(ticket).toEqual({ subject: 'Printer on fire', org_id: org.orgId, from_address: from });
  });

  it('keeps attachments outside the message, and decodes other charsets', async () => {
    const html = await providers.mailgun(mime.htmlWithAttachment({ from: customer(), to: support, subject: 'Logs attached' }));
    await outcome(html.body.id);
    const withFile = (await call(stack.api.url, `/api/v1/inbound/${html.body.id}`, { key: org.key })).body;
    expect(withFile.attachments).toEqual([{ id: expect.any(String), filename: 'error.log', content_type: 'text/plain', size: 16 }]);
    expect(withFile.message.html).toContain('<b>attached</b>');

    const latin = await providers.sendgridRaw(mime.latin1({ from: customer(), to: support, subject: 'Gr=FC=DFe' }));
    await outcome(latin.body.id);
    const decoded = (await call(stack.api.url, `/api/v1/inbound/${latin.body.id}`, { key: org.key })).body.message;
    expect(decoded.subject).toBe('Grüße');
    expect(decoded.text.trim()).toBe('Grüße aus Köln');
  });

  it('refuses tampered, unsigned and stale requests with 401 and stores nothing', async () => {
    const before = (await inboundRows()).length;
    const mail = { from: customer(), to: support, subject: 'x', text: 'y' };
    const mailgunForm = async (signature: ReturnType<typeof mailgunSignature>) => multipart({ ...signature, 'body-mime': mime.plain(mail) });

    const forged = await mailgunForm({ ...mailgunSignature(MAILGUN_KEY), signature: 'ab'.repeat(32) });
    const stale = await mailgunForm(mailgunSignature(MAILGUN_KEY, String(Math.floor(Date.now() / 1000) - 600)));
    const unsigned = await multipart({ 'body-mime': mime.plain(mail) });
    const sendgridForm = await multipart({ email: mime.plain(mail) });
    const sendgridSigned = sendgridSign(sendgrid.privateKey, sendgridForm.body);
    const tamperedSendgrid = Buffer.from(sendgridForm.body.toString('utf8').replace('Subject: x', 'Subject: z'));

    const attempts = [
      post(forged.body, forged.contentType),
      post(stale.body, stale.contentType),
      post(unsigned.body, unsigned.contentType),
      post(tamperedSendgrid, sendgridForm.contentType, {
        'x-twilio-email-event-webhook-signature': sendgridSigned.signature,
        'x-twilio-email-event-webhook-timestamp': sendgridSigned.timestamp,
      }),
      post(JSON.stringify({ MessageID: 'm', From: 'a@b.c' }), 'application/json', { 'x-postmark-token': 'wrong-token' }),
      providers.cloudmailin(mail, 'wrong-password'),
      post(JSON.stringify({ Type: 'Notification' }), 'text/plain'),
      post(JSON.stringify({ MessageID: 'm' }), 'application/json'),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('unauthorized');
    }
    expect((await inboundRows()).length).toBe(before);
  });

  it('refuses a reused Mailgun token for another message, and treats a retried delivery as a no-op', async () => {
    const signature = mailgunSignature(MAILGUN_KEY);
    const raw = mime.plain({ from: customer(), to: support, subject: 'once', text: 'only once' });
    const first = await multipart({ ...signature, 'body-mime': raw });
    const accepted = await post(first.body, first.contentType);
    expect(accepted.status).toBe(200);
    await outcome(accepted.body.id);

    const retried = await post(first.body, first.contentType);
    expect(retried).toEqual({ status: 200, body: { received: true, id: accepted.body.id } });
    const messages = await stack.db.selectFrom('conversation_messages').select('id').where('inbound_id', '=', accepted.body.id).execute();
    expect(messages).toHaveLength(1);

    const other = await multipart({ ...signature, 'body-mime': mime.plain({ from: customer(), to: support, subject: 'forged', text: 'x' }) });
    expect((await post(other.body, other.contentType)).status).toBe(401);
  });

  it('refuses oversize requests with 413 and malformed ones with 400, storing nothing', async () => {
    const before = (await inboundRows()).length;
    const manyFiles = await multipart(
      { ...mailgunSignature(MAILGUN_KEY), 'body-plain': 'x' },
      Array.from({ length: 21 }, (_, index) => ({
        field: `attachment-${index + 1}`,
        filename: `f${index}.txt`,
        type: 'text/plain',
        content: Buffer.from('x'),
      })),
    );
    expect((await post(manyFiles.body, manyFiles.contentType)).status).toBe(413);
    const bigFile = await multipart({ ...mailgunSignature(MAILGUN_KEY) }, [
      { field: 'attachment-1', filename: 'big.bin', type: 'application/octet-stream', content: Buffer.alloc(16 * 1024 * 1024) },
    ]);
    const big = await post(bigFile.body, bigFile.contentType);
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    const bad = await post('{"MessageID": ', 'application/json', { 'x-postmark-token': POSTMARK_TOKEN });
    expect(bad.status).toBe(400);
    expect((await inboundRows()).length).toBe(before);
  });
});

type Mail = { from: string; to: string; subject: string; text: string };

describe('classification', () => {
  async function sentEmail(recipients: string[]) {
    const ses = sesMessageId();
    const emailId = randomUUID();
    await insertEmail(stack.db, {
      id: emailId,
      orgId: org.orgId,
      content: { from: support, to: recipients, cc: [], bcc: [], reply_to: [], subject: 'Your invoice', html: null, text: 't', headers: {}, attachments: [] },
      tags: {},
      metadata: {},
    });
    await stack.db.updateTable('emails').set({ status: 'sent', ses_message_id: ses.id }).where('id', '=', emailId).execute();
    return { emailId, ses };
  }
  const suppressed = async (address: string) =>
    (await call(stack.api.url, `/api/v1/suppressions/${encodeURIComponent(address)}`, { key: org.key })).status !== 404;

  // Inbound mail is unauthenticated: anyone can write a bounce report naming a tenant's SES
  // Message-ID. Only SES's own events (signed, through SNS) bounce an email or suppress.
  it('a delivery-status report about mail Relay sent is noted on that email, but bounces nothing and suppresses no one', async () => {
    const failed = customer();
    const { emailId, ses } = await sentEmail([failed]);
    const response = await providers.rawMime(mime.deliveryStatus({ to: support, failedRecipients: [failed], originalMessageId: ses.header }));
    expect(await outcome(response.body.id)).toEqual({ outcome: 'archived', reason: 'bounce' });
    const email = (await call(stack.api.url, `/api/v1/emails/${emailId}`, { key: org.key })).body;
    expect(email.status).toBe('sent');
    expect(email.events.at(-1)).toMatchObject({
      type: 'bounce_reported',
      recipient: failed,
      detail: { source: 'inbound_dsn', verified: false, inbound_id: response.body.id },
    });
    expect(await suppressed(failed)).toBe(false);
    expect(await stack.db.selectFrom('conversation_messages').select('id').where('inbound_id', '=', response.body.id).execute()).toEqual([]);
  });

  it('a forged report listing thousands of addresses notes only the recipients of the email it names', async () => {
    const recipient = customer();
    const { emailId, ses } = await sentEmail([recipient]);
    const strangers = Array.from({ length: 3000 }, () => customer());
    const response = await providers.rawMime(mime.deliveryStatus({ to: support, failedRecipients: [...strangers, recipient], originalMessageId: ses.header }));
    expect(await outcome(response.body.id)).toEqual({ outcome: 'archived', reason: 'bounce' });
    const email = (await call(stack.api.url, `/api/v1/emails/${emailId}`, { key: org.key })).body;
    expect(email.status).toBe('sent');
    expect(email.events.filter((event: { type: string }) => event.type === 'bounce_reported').map((event: { recipient: string }) => event.recipient)).toEqual([
      recipient,
    ]);
    for (const address of [recipient, strangers[0]!, strangers[2999]!]) expect(await suppressed(address)).toBe(false);
  });

  it.each<[string, { extraHeaders?: string[]; subject?: string; from?: string }, string]>([
    ['an RFC 3834 auto-reply', { extraHeaders: ['Auto-Submitted: auto-replied'] }, 'auto_reply'],
    ['an out-of-office subject', { subject: 'Out of Office: back Monday' }, 'auto_reply'],
    ['Precedence: bulk', { extraHeaders: ['Precedence: bulk'] }, 'auto_reply'],
    ['X-Autoreply', { extraHeaders: ['X-Autoreply: yes'] }, 'auto_reply'],
    ["a copy of the organization's own mail", { from: 'SUPPORT_ADDRESS' }, 'outbound_copy'],
  ])('%s is archived as %s without a ticket', async (_name, overrides, classification) => {
    const from = overrides.from === 'SUPPORT_ADDRESS' ? support : customer();
    const raw = mime.plain({ to: support, subject: 'Re: your request', text: 'x', ...overrides, from });
    const response = await providers.sendgridRaw(raw);
    expect(await outcome(response.body.id)).toEqual({ outcome: 'archived', reason: classification });
    const row = await stack.db.selectFrom('inbound_messages').select(['classification', 'status']).where('id', '=', response.body.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ classification, status: 'archived' });
  });

  it('recognizes Dialpad voicemail notifications', async () => {
    const response = await providers.mailgun(
      mime.plain({ from: 'notifications@dialpad.com', to: support, subject: 'New voicemail from +1 555 987 6543', text: 'Transcript: call me back' }),
    );
    await outcome(response.body.id);
    const row = await stack.db.selectFrom('inbound_messages').select(['classification']).where('id', '=', response.body.id).executeTakeFirstOrThrow();
    expect(row.classification).toBe('dialpad_voicemail');
  });
});

describe('routing to the products', () => {
  it.each([
    ['ticket+4821', psa, '/api/integrations/relay/tickets/4821/notes', 'psa_note'],
    ['support+acme-corp', psa, '/api/integrations/relay/tenants/acme-corp/tickets', 'psa_ticket'],
    ['portal+77', portal, '/api/integrations/relay/tickets/77/replies', 'portal_reply'],
  ])('%s@ reaches its product with the integration key and an idempotency key', async (local, fake, path, route) => {
    const from = customer();
    const response = await providers.postmark({ from, to: `${local}@${DOMAIN}`, subject: 'Re: update', text: 'Thanks, that fixed it.' });
    expect(await outcome(response.body.id)).toEqual({ outcome: 'routed' });
    const delivered = fake.answered.find((entry) => JSON.parse(entry.request.body).inbound_id === response.body.id);
    expect(delivered?.request.path).toBe(path);
    expect(delivered?.request.headers['x-integration-key']).toBe('integration-key');
    expect(delivered?.request.headers['idempotency-key']).toBe(`relay-inbound:${response.body.id}`);
    expect(JSON.parse(delivered!.request.body)).toMatchObject({
      source: 'relay',
      from: { address: from, name: 'John Doe' },
      subject: 'Re: update',
      stripped_text: 'Thanks, that fixed it.',
      attachments: [{ filename: 'file.pdf', content_type: 'application/pdf', size: 4, content: Buffer.from('%PDF').toString('base64') }],
    });
    const row = await stack.db.selectFrom('inbound_messages').select(['status', 'route']).where('id', '=', response.body.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'routed', route });
    const event = await eventually(async () => bus.accepted().find((entry) => entry.body.data.inbound_id === response.body.id), 'relay.email.inbound');
    expect(event.body).toMatchObject({ type: 'relay.email.inbound', data: { route } });
  });

  it('archives when the product is not configured, when it keeps failing, or when nothing matches — and replay routes it once fixed', async () => {
    const crm = await providers.postmark({ from: customer(), to: `crm+0031x000004ghiJKL@${DOMAIN}`, subject: 'hi', text: 'x' });
    expect(await outcome(crm.body.id)).toEqual({ outcome: 'archived', reason: 'crm_activity_not_configured' });

    const nowhere = await providers.postmark({ from: customer(), to: `nobody@${DOMAIN}`, subject: 'hi', text: 'x' });
    expect(await outcome(nowhere.body.id)).toEqual({ outcome: 'archived', reason: 'no_route' });

    psa.failAlways = true;
    const failing = await providers.postmark({ from: customer(), to: `ticket+9@${DOMAIN}`, subject: 'hi', text: 'x' });
    expect(await outcome(failing.body.id)).toEqual({ outcome: 'archived', reason: 'psa_note_failed' });
    expect(psa.answered.filter((entry) => JSON.parse(entry.request.body).inbound_id === failing.body.id).map((entry) => entry.status)).toEqual([503, 503]);

    const archived = JSON.parse((await runCli(['archive', 'list', '--json', '--reason', 'psa_note_failed'], stack.cliEnv)).stdout);
    expect(archived.map((entry: { id: string }) => entry.id)).toContain(failing.body.id);

    psa.failAlways = false;
    const replay = await runCli(['archive', 'replay', failing.body.id], stack.cliEnv);
    expect(replay.stderr).toBe('');
    const handle = stack.client.workflow.getHandle(inboundWorkflowId(failing.body.id));
    const replayed = await eventually(async () => {
      const result = await handle.result();
      return result.outcome === 'routed' ? result : undefined;
    }, 'the replayed run');
    expect(replayed).toEqual({ outcome: 'routed' });
    const attempts = await stack.db
      .selectFrom('inbound_routing_attempts')
      .select(['target', 'outcome'])
      .where('inbound_id', '=', failing.body.id)
      .orderBy('id')
      .execute();
    expect(attempts.map((attempt) => `${attempt.target}:${attempt.outcome}`)).toEqual([
      'psa_note:failed',
      'psa_note:failed',
      'archive:archived',
      'replay:replayed',
      'psa_note:delivered',
    ]);
  });
});

describe('threading into the helpdesk', () => {
  async function firstTicket() {
    const from = customer();
    const messageId = `<${randomUUID()}@client.example>`;
    const response = await providers.mailgun(mime.plain({ from, to: support, subject: 'VPN is down', text: 'cannot connect', messageId }));
    await outcome(response.body.id);
    const ticket = await stack.db
      .selectFrom('conversation_messages')
      .innerJoin('tickets', 'tickets.id', 'conversation_messages.ticket_id')
      .select(['tickets.id', 'tickets.number'])
      .where('conversation_messages.inbound_id', '=', response.body.id)
      .executeTakeFirstOrThrow();
    return { from, messageId, ticket };
  }

  async function ticketOf(inboundId: string) {
    await outcome(inboundId);
    return stack.db.selectFrom('conversation_messages').select('ticket_id').where('inbound_id', '=', inboundId).executeTakeFirstOrThrow();
  }

  it('threads by In-Reply-To, References, [Ticket #n] and the Message-ID of mail Relay sent', async () => {
    const { from, messageId, ticket } = await firstTicket();

    const byReply = await providers.mailgun(mime.plain({ from, to: support, subject: 'Re: VPN is down', text: 'still down', inReplyTo: messageId }));
    expect((await ticketOf(byReply.body.id)).ticket_id).toBe(ticket.id);

    const byReferences = await providers.mailgun(mime.plain({ from, to: support, subject: 'more', text: 'x', references: ['<unrelated@x>', messageId] }));
    expect((await ticketOf(byReferences.body.id)).ticket_id).toBe(ticket.id);

    // The number in the subject counts only from someone taking part in the ticket.
    const bySubject = await providers.mailgun(mime.plain({ from, to: support, subject: `Fwd: [Ticket #${ticket.number}] VPN`, text: 'cc' }));
    expect((await ticketOf(bySubject.body.id)).ticket_id).toBe(ticket.id);
    const byStranger = await providers.mailgun(mime.plain({ from: customer(), to: support, subject: `Fwd: [Ticket #${ticket.number}] VPN`, text: 'cc' }));
    expect((await ticketOf(byStranger.body.id)).ticket_id).not.toBe(ticket.id);

    const ses = sesMessageId();
    const sentId = randomUUID();
    await insertEmail(stack.db, {
      id: sentId,
      orgId: org.orgId,
      content: { from: support, to: [from], cc: [], bcc: [], reply_to: [], subject: 'We are on it', html: null, text: 't', headers: {}, attachments: [] },
      tags: {},
      metadata: { ticket_number: String(ticket.number) },
    });
    await stack.db.updateTable('emails').set({ status: 'sent', ses_message_id: ses.id }).where('id', '=', sentId).execute();
    const byOurMessageId = await providers.mailgun(mime.plain({ from, to: support, subject: 'Re: We are on it', text: 'thanks', inReplyTo: ses.header }));
    expect((await ticketOf(byOurMessageId.body.id)).ticket_id).toBe(ticket.id);

    const unrelated = await providers.mailgun(mime.plain({ from, to: support, subject: 'New problem', text: 'printer' }));
    expect((await ticketOf(unrelated.body.id)).ticket_id).not.toBe(ticket.id);
    const customers = await stack.db.selectFrom('customers').select('id').where('org_id', '=', org.orgId).where('email', '=', from).execute();
    expect(customers).toHaveLength(1);
  });
});

describe('organizations apart', () => {
  async function secondOrg() {
    const other = await createOrgWithKey(stack.db, ['send', 'read', 'admin']);
    const address = `help-${randomBytes(3).toString('hex')}@${other.domain}`;
    expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: other.key, body: { address } })).status).toBe(201);
    return { ...other, address };
  }

  const mailgunTo = async (raw: string, recipient: string) => {
    const form = await multipart({ ...mailgunSignature(MAILGUN_KEY), 'body-mime': raw, recipient });
    return post(form.body, form.contentType);
  };

  async function threadedInto(inboundId: string) {
    return stack.db
      .selectFrom('conversation_messages')
      .innerJoin('tickets', 'tickets.id', 'conversation_messages.ticket_id')
      .select(['tickets.org_id', 'tickets.subject', 'conversation_messages.body_text as text'])
      .where('conversation_messages.inbound_id', '=', inboundId)
      .orderBy('tickets.org_id')
      .execute();
  }

  it("a forged copy carrying another message's Message-ID is a message of its own: the real one still reaches its organization", async () => {
    const globex = await secondOrg();
    const messageId = `<${randomUUID()}@client.example>`;
    // The forger gets there first, to its own organization, with the Message-ID it saw.
    const forged = await mailgunTo(mime.plain({ from: customer(), to: support, subject: 'forged', text: 'not the real one', messageId }), support);
    expect(forged.status).toBe(200);
    await outcome(forged.body.id);

    const from = customer();
    const real = await mailgunTo(mime.plain({ from, to: globex.address, subject: 'Invoice question', text: 'the real message', messageId }), globex.address);
    expect(real.status).toBe(200);
    expect(real.body.id).not.toBe(forged.body.id);
    expect(await outcome(real.body.id)).toEqual({ outcome: 'threaded' });
    expect(await threadedInto(real.body.id)).toEqual([
      { org_id: globex.orgId, subject: 'Invoice question', text: expect.stringContaining('the real message') },
    ]);
    expect((await call(stack.api.url, `/api/v1/inbound/${real.body.id}`, { key: globex.key })).body.message.from.address).toBe(from);
  });

  it('a provider retrying the same message with a fresh signature is still one message', async () => {
    const raw = mime.plain({ from: customer(), to: support, subject: 'retried', text: 'once please' });
    const first = await mailgunTo(raw, support);
    await outcome(first.body.id);
    const retried = await mailgunTo(raw, support);
    expect(retried.body.id).toBe(first.body.id);
    expect(await threadedInto(first.body.id)).toHaveLength(1);
  });

  it("a captured Mailgun signature cannot carry other content under the same Message-ID (Mailgun's signature does not cover the body)", async () => {
    const signature = mailgunSignature(MAILGUN_KEY);
    const messageId = `<${randomUUID()}@client.example>`;
    const real = await multipart({
      ...signature,
      'body-mime': mime.plain({ from: customer(), to: support, subject: 'real', text: 'x', messageId }),
      recipient: support,
    });
    expect((await post(real.body, real.contentType)).status).toBe(200);
    const swapped = await multipart({
      ...signature,
      'body-mime': mime.plain({ from: customer(), to: support, subject: 'swapped', text: 'y', messageId }),
      recipient: support,
    });
    expect((await post(swapped.body, swapped.contentType)).status).toBe(401);
  });

  it('a message with tens of thousands of recipients is routed by the first thousand, not retried for a day', async () => {
    const crowd = Array.from({ length: 70_000 }, (_, index) => `r${index}@crowd.example`).join(', ');
    const response = await mailgunTo(mime.plain({ from: customer(), to: `${support}, ${crowd}`, subject: 'to everyone', text: 'hello' }), support);
    expect(response.status).toBe(200);
    expect(await outcome(response.body.id)).toEqual({ outcome: 'threaded' });
  });

  it('a message addressed to two organizations reaches both, once each, and each sees it in its inbound API', async () => {
    const globex = await secondOrg();
    const from = customer();
    const raw = mime.plain({ from, to: `${support}, ${globex.address}`, subject: 'Partnership', text: 'Hello both of you' });
    const response = await mailgunTo(raw, support);
    expect(await outcome(response.body.id)).toEqual({ outcome: 'threaded' });
    expect(await threadedInto(response.body.id)).toEqual(
      [
        { org_id: org.orgId, subject: 'Partnership', text: expect.stringContaining('Hello both') },
        { org_id: globex.orgId, subject: 'Partnership', text: expect.stringContaining('Hello both') },
      ].sort((a, b) => a.org_id.localeCompare(b.org_id)),
    );
    for (const key of [org.key, globex.key]) {
      const shown = await call(stack.api.url, `/api/v1/inbound/${response.body.id}`, { key });
      expect(shown.body).toMatchObject({ status: 'threaded', route: 'helpdesk' });
      const listed = await call(stack.api.url, '/api/v1/inbound?status=threaded', { key });
      expect(listed.body.data.map((entry: { id: string }) => entry.id)).toContain(response.body.id);
    }
    const customers = await stack.db.selectFrom('customers').select('org_id').where('email', '=', from).execute();
    expect(customers.map((row) => row.org_id).sort()).toEqual([org.orgId, globex.orgId].sort());

    // The provider posting it again (once per recipient, say) adds nothing in either organization.
    const again = await mailgunTo(raw, globex.address);
    await outcome(again.body.id);
    const messages = await stack.db.selectFrom('conversation_messages').select('org_id').where('from_address', '=', from).execute();
    expect(messages).toHaveLength(2);
    // An organization it was not addressed to sees nothing.
    const stranger = await createOrgWithKey(stack.db, ['read']);
    expect((await call(stack.api.url, `/api/v1/inbound/${response.body.id}`, { key: stranger.key })).status).toBe(404);
  });
});

describe('the inbound API', () => {
  it('lists with filters, shows one message with its routing attempts, and is scoped by organization', async () => {
    const response = await providers.postmark({ from: customer(), to: support, subject: 'listed', text: 'x' });
    await outcome(response.body.id);
    const listed = await call(stack.api.url, '/api/v1/inbound?status=threaded&provider=postmark', { key: org.key });
    expect(listed.body.data.map((entry: { id: string }) => entry.id)).toContain(response.body.id);
    expect((await call(stack.api.url, '/api/v1/inbound?status=lost', { key: org.key })).status).toBe(400);

    const other = await createOrgWithKey(stack.db);
    expect((await call(stack.api.url, `/api/v1/inbound/${response.body.id}`, { key: other.key })).status).toBe(404);
    expect((await call(stack.api.url, '/api/v1/inbound', { key: other.key })).body.data).toEqual([]);
    expect((await call(stack.api.url, `/api/v1/inbound/${response.body.id}/replay`, { key: org.key, method: 'POST' })).status).toBe(409);
  });

  it('a support address belongs to one organization: claimed again is fine, another is refused, only its owner deletes it', async () => {
    const address = `Sales-${randomBytes(3).toString('hex')}@${org.domain.toUpperCase()}`;
    const claim = (key: string) => call(stack.api.url, '/api/v1/inbound-addresses', { key, body: { address } });
    expect((await claim(org.key)).body).toMatchObject({ address: address.toLowerCase(), status: 'active', verified_by: 'sending_domain' });
    expect((await claim(org.key)).status).toBe(201);
    const other = await createOrgWithKey(stack.db, ['admin']);
    expect((await claim(other.key)).status).toBe(409);
    const listed = async (key: string) =>
      (await call(stack.api.url, '/api/v1/inbound-addresses', { key })).body.data.map((entry: { address: string }) => entry.address);
    expect(await listed(org.key)).toContain(address.toLowerCase());
    expect(await listed(other.key)).not.toContain(address.toLowerCase());

    const remove = (key: string) => call(stack.api.url, `/api/v1/inbound-addresses/${encodeURIComponent(address)}`, { key, method: 'DELETE' });
    expect((await remove(other.key)).status).toBe(404);
    expect((await remove(org.key)).status).toBe(204);
    expect(await listed(org.key)).not.toContain(address.toLowerCase());
    expect((await remove(org.key)).status).toBe(404);
  });
});
