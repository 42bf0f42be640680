import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { replyWorkflowId } from '../src/temporal/ids.js';
import { FakeSes } from './fakes/fake-ses.js';
import { FakeGraph, FakeSlack, FakeTwilio } from './fakes/reply-providers.js';
import { customerChannels } from './support/customer-messages.js';
import { call, eventually } from './support/http.js';
import { trpc } from './support/trpc.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const TWILIO = { accountSid: `AC${hex(16)}`, authToken: `twilio-token-${hex(8)}`, number: `+1555${String(Date.now()).slice(-7)}` };
const WHATSAPP = { phoneNumberId: `10${String(Date.now()).slice(-9)}`, appSecret: 'wa-app-secret', accessToken: `EAAG${hex(16)}` };
const MESSENGER = { pageId: `20${String(Date.now()).slice(-9)}`, appSecret: 'fb-app-secret', accessToken: `EAAP${hex(16)}` };
const SLACK = { address: `T${hex(4).toUpperCase()}:C${hex(4).toUpperCase()}`, signingSecret: 'slack-signing-secret', botToken: `xoxb-${hex(10)}` };
const POSTMARK_TOKEN = 'postmark-token';

const ses = new FakeSes();
const twilio = new FakeTwilio(TWILIO);
const graph = new FakeGraph({ [WHATSAPP.phoneNumberId]: WHATSAPP.accessToken, [MESSENGER.pageId]: MESSENGER.accessToken });
const slack = new FakeSlack(SLACK.botToken);
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;
let support: string;
let customers: ReturnType<typeof customerChannels>;

beforeAll(async () => {
  await Promise.all([ses.start(), twilio.start(), graph.start(), slack.start()]);
  stack = await startStack({
    env: {
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      SES_ENDPOINT: ses.url,
      POSTMARK_INBOUND_TOKEN: POSTMARK_TOKEN,
      TWILIO_API_URL: twilio.url,
      META_GRAPH_API_URL: graph.url,
      SLACK_API_URL: slack.url,
    },
  });
  org = await createOrgWithKey(stack.db, ['read', 'helpdesk', 'admin']);
  support = `help-${hex(3)}@${org.domain}`;
  expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } })).status).toBe(201);
  for (const body of [
    { type: 'twilio', address: TWILIO.number, secret: TWILIO.authToken, credentials: { account_sid: TWILIO.accountSid } },
    {
      type: 'whatsapp',
      address: WHATSAPP.phoneNumberId,
      secret: WHATSAPP.appSecret,
      verify_token: 'wa-verify-token',
      credentials: { access_token: WHATSAPP.accessToken },
    },
    {
      type: 'messenger',
      address: MESSENGER.pageId,
      secret: MESSENGER.appSecret,
      verify_token: 'fb-verify-token',
      credentials: { access_token: MESSENGER.accessToken },
    },
    { type: 'slack', address: SLACK.address, secret: SLACK.signingSecret, credentials: { bot_token: SLACK.botToken } },
  ]) {
    const response = await call(stack.api.url, '/api/v1/channels', { key: org.key, body });
    expect(response.status).toBe(201);
    expect(response.body.can_reply).toBe(true);
    // The credentials never come back out.
    expect(JSON.stringify(response.body)).not.toMatch(/EAA|xoxb|twilio-token/);
  }
  customers = customerChannels({
    apiUrl: stack.api.url,
    publicUrl: stack.config.publicUrl,
    postmarkToken: POSTMARK_TOKEN,
    twilio: TWILIO,
    whatsapp: WHATSAPP,
    messenger: MESSENGER,
    slack: SLACK,
  });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([ses.stop(), twilio.stop(), graph.stop(), slack.stop()]);
});
beforeEach(() => {
  for (const fake of [twilio, graph, slack]) {
    fake.answers.length = 0;
    fake.accepted.length = 0;
    fake.requests.length = 0;
  }
  ses.requests.length = 0;
  ses.throttleNext = 0;
  ses.rejectWith = undefined;
});
afterAll(() => {
  // Every request Relay made had the provider's format and credentials.
  for (const fake of [twilio, graph, slack]) expect(fake.problems).toEqual([]);
});

/** The ticket a channel conversation opened, once the customer's message is threaded. */
async function ticketOf(channel: string, threadKey: string): Promise<{ id: string; number: number }> {
  return eventually(
    () =>
      stack.db
        .selectFrom('tickets')
        .select(['id', 'number'])
        .where('org_id', '=', org.orgId)
        .where('channel', '=', channel)
        .where('thread_key', '=', threadKey)
        .executeTakeFirst(),
    `a ${channel} ticket for ${threadKey}`,
  );
}

async function emailTicketFrom(address: string): Promise<{ id: string; number: number }> {
  return eventually(
    () =>
      stack.db
        .selectFrom('tickets')
        .innerJoin('customers', 'customers.id', 'tickets.customer_id')
        .select(['tickets.id', 'tickets.number'])
        .where('tickets.org_id', '=', org.orgId)
        .where('customers.email', '=', address)
        .executeTakeFirst(),
    `an email ticket from ${address}`,
  );
}

const reply = (ticketId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call(stack.api.url, `/api/v1/tickets/${ticketId}/replies`, { key: org.key, body, headers });

/** The reply once its workflow has finished. */
async function finished(ticketId: string, replyId: string) {
  await stack.client.workflow.getHandle(replyWorkflowId(replyId)).result();
  return (await call(stack.api.url, `/api/v1/tickets/${ticketId}/replies/${replyId}`, { key: org.key })).body;
}

const phone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

describe('replies by SMS (Twilio Messages API)', () => {
  it('answer the customer from the number they texted, with basic auth and a status callback; delivery reports move the reply to delivered', async () => {
    const customer = phone();
    expect((await customers.sms(customer, 'My router blinks red')).status).toBe(200);
    const ticket = await ticketOf('twilio', customer);

    const answered = await reply(ticket.id, { body: 'Please restart it and tell us what you see.' });
    expect(answered.status).toBe(202);
    expect(answered.body).toMatchObject({ channel: 'twilio', status: 'queued', recipient: customer, sender: TWILIO.number });
    const sent = await finished(ticket.id, answered.body.id);
    expect(sent.status).toBe('sent');

    expect(twilio.accepted).toHaveLength(1);
    const [request] = twilio.accepted;
    expect(request!.path).toBe(`/2010-04-01/Accounts/${TWILIO.accountSid}/Messages.json`);
    expect(request!.fields).toEqual({
      To: customer,
      From: TWILIO.number,
      Body: 'Please restart it and tell us what you see.',
      StatusCallback: `${stack.config.publicUrl}/api/webhooks/sms/status`,
    });
    expect(sent.provider_message_id).toBe(request!.id);

    expect(await customers.smsStatus({ sid: request!.id, to: customer, status: 'delivered' })).toBe(204);
    const delivered = await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/v1/tickets/${ticket.id}/replies/${answered.body.id}`, { key: org.key });
      return body.status === 'delivered' ? body : undefined;
    }, 'the delivery report applied');
    expect(delivered.failure_reason).toBeNull();

    // The conversation shows the reply, with its status, after the customer's message.
    const { body: view } = await call(stack.api.url, `/api/v1/tickets/${ticket.id}`, { key: org.key });
    expect(
      view.conversation.map((message: { direction: string; reply: { status: string } | null }) => [message.direction, message.reply?.status ?? null]),
    ).toEqual([
      ['inbound', null],
      ['outbound', 'delivered'],
    ]);
  });

  it("retry Twilio trouble until it accepts, and end failed with Twilio's reason when it refuses", async () => {
    const customer = phone();
    await customers.sms(customer, 'Hello?');
    const ticket = await ticketOf('twilio', customer);

    twilio.answerNext('retryable');
    const retried = await reply(ticket.id, { body: 'We are here.' });
    expect((await finished(ticket.id, retried.body.id)).status).toBe('sent');
    expect(twilio.requests).toHaveLength(2);
    expect(twilio.accepted).toHaveLength(1);

    twilio.answerNext('permanent');
    const refused = await reply(ticket.id, { body: 'Still here.' });
    const failed = await finished(ticket.id, refused.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toContain('21211');
    expect(failed.failure_reason).toContain('is not a valid phone number');
    expect(twilio.requests).toHaveLength(3);
  });

  it('never send twice: a call that got no answer ends the reply failed instead of trying again', async () => {
    const customer = phone();
    await customers.sms(customer, 'Anyone?');
    const ticket = await ticketOf('twilio', customer);
    twilio.answerNext('drop');
    const failed = await finished(ticket.id, (await reply(ticket.id, { body: 'Yes, we are here.' })).body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toContain('Twilio did not answer');
    expect(failed.failure_reason).toContain('may have been sent');
    expect(twilio.requests).toHaveLength(1);
  });

  it("are sent the same way through the dashboard's tRPC procedure", async () => {
    const customer = phone();
    await customers.sms(customer, 'Via the dashboard?');
    const ticket = await ticketOf('twilio', customer);
    const sent = await trpc(stack.api.url, org.key, 'helpdesk.reply', { ticketId: ticket.id, idempotencyKey: `k-${hex(4)}`, body: 'Yes.' });
    expect(sent.status).toBe(200);
    expect(sent.data).toMatchObject({ channel: 'twilio', status: 'queued', recipient: customer });
    expect((await finished(ticket.id, sent.data.id)).status).toBe('sent');
    expect(twilio.accepted[0]!.fields.Body).toBe('Yes.');
  });

  it('send a reply once per Idempotency-Key: the repeat answers the first reply, another body with the key is a conflict', async () => {
    const customer = phone();
    await customers.sms(customer, 'Order status?');
    const ticket = await ticketOf('twilio', customer);
    const key = `reply-${hex(6)}`;
    const first = await reply(ticket.id, { body: 'Shipped today.' }, { 'idempotency-key': key });
    const again = await reply(ticket.id, { body: 'Shipped today.' }, { 'idempotency-key': key });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    await finished(ticket.id, first.body.id);
    const other = await reply(ticket.id, { body: 'Shipped yesterday.' }, { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_conflict');
    expect(twilio.accepted).toHaveLength(1);
    const outbound = await stack.db.selectFrom('ticket_replies').select('id').where('ticket_id', '=', ticket.id).execute();
    expect(outbound).toHaveLength(1);
  });
});

describe('replies on WhatsApp (Cloud API)', () => {
  it("answer the wa_id as a reply to their message with the channel's bearer token; a status moves it to delivered", async () => {
    const waId = `1555${hex(3).replace(/\D/g, '7')}`;
    const incoming = await customers.whatsappText(waId, 'Is the shop open on Sunday?');
    const ticket = await ticketOf('whatsapp', waId);

    const answered = await reply(ticket.id, { body: 'Yes, from 10 to 4.' });
    expect(answered.status).toBe(202);
    const sent = await finished(ticket.id, answered.body.id);
    expect(sent.status).toBe('sent');
    expect(graph.accepted).toHaveLength(1);
    expect(graph.accepted[0]!.path).toBe(`/${WHATSAPP.phoneNumberId}/messages`);
    expect(graph.accepted[0]!.fields).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: waId,
      type: 'text',
      text: { preview_url: false, body: 'Yes, from 10 to 4.' },
      context: { message_id: incoming.id },
    });
    expect(sent.provider_message_id).toBe(graph.accepted[0]!.id);

    await customers.whatsapp({
      statuses: [{ id: sent.provider_message_id, status: 'delivered', timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: waId }],
    });
    await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/v1/tickets/${ticket.id}/replies/${answered.body.id}`, { key: org.key });
      return body.status === 'delivered' ? true : undefined;
    }, 'the WhatsApp status applied');
  });

  it("retry a transient Graph error, and end failed with WhatsApp's reason on a permanent one", async () => {
    const waId = `1666${hex(3).replace(/\D/g, '7')}`;
    await customers.whatsappText(waId, 'Hi');
    const ticket = await ticketOf('whatsapp', waId);
    graph.answerNext('retryable');
    expect((await finished(ticket.id, (await reply(ticket.id, { body: 'Hello!' })).body.id)).status).toBe('sent');
    expect(graph.requests).toHaveLength(2);

    graph.answerNext('permanent');
    const failed = await finished(ticket.id, (await reply(ticket.id, { body: 'Anything else?' })).body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toContain('131047');
  });

  it('refuse a reply outside the 24-hour customer-service window with a 422 naming the rule, sending and storing nothing', async () => {
    const waId = `1777${hex(3).replace(/\D/g, '7')}`;
    await customers.whatsappText(waId, 'Thanks!');
    const ticket = await ticketOf('whatsapp', waId);
    // The customer's message, as if it came 25 hours ago.
    await stack.db
      .updateTable('conversation_messages')
      .set({ created_at: new Date(Date.now() - 25 * 3600_000) })
      .where('ticket_id', '=', ticket.id)
      .execute();
    const refused = await reply(ticket.id, { body: 'You are welcome.' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('reply_window_closed');
    expect(refused.body.error.message).toContain('within 24 hours of the customer');
    expect(graph.requests).toHaveLength(0);
    expect(await stack.db.selectFrom('ticket_replies').select('id').where('ticket_id', '=', ticket.id).execute()).toEqual([]);
  });
});

describe('replies on Messenger (Send API)', () => {
  it('answer the PSID with messaging_type RESPONSE; retry trouble, fail on a refusal; a delivery event moves it to delivered', async () => {
    const psid = `${Date.now()}${hex(2).replace(/\D/g, '3')}`;
    await customers.messengerText(psid, 'Do you ship to Canada?');
    const ticket = await ticketOf('messenger', psid);

    graph.answerNext('retryable');
    const answered = await reply(ticket.id, { body: 'We do.' });
    const sent = await finished(ticket.id, answered.body.id);
    expect(sent.status).toBe('sent');
    expect(graph.requests).toHaveLength(2);
    expect(graph.accepted[0]).toMatchObject({
      path: `/${MESSENGER.pageId}/messages`,
      fields: { recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'We do.' } },
    });

    await customers.messenger({
      sender: { id: psid },
      recipient: { id: MESSENGER.pageId },
      timestamp: Date.now(),
      delivery: { mids: [sent.provider_message_id], watermark: Date.now() },
    });
    await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/v1/tickets/${ticket.id}/replies/${answered.body.id}`, { key: org.key });
      return body.status === 'delivered' ? true : undefined;
    }, 'the Messenger delivery applied');

    graph.answerNext('permanent');
    const failed = await finished(ticket.id, (await reply(ticket.id, { body: 'Anything else?' })).body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toContain('outside of allowed window');
  });
});

describe('replies on Slack (chat.postMessage)', () => {
  it("post in the customer's thread with the bot token; retry rate limits, fail on a refusal", async () => {
    const user = `U${hex(4).toUpperCase()}`;
    const started = await customers.slack(user, 'The VPN is down');
    const ticket = await ticketOf('slack', `${started.channel}:${started.ts}`);

    slack.answerNext('retryable');
    const sent = await finished(ticket.id, (await reply(ticket.id, { body: 'Looking into it <now> & soon' })).body.id);
    expect(sent.status).toBe('sent');
    expect(slack.requests).toHaveLength(2);
    expect(slack.accepted[0]!.fields).toEqual({ channel: started.channel, thread_ts: started.ts, text: 'Looking into it &lt;now&gt; &amp; soon' });

    slack.answerNext('permanent');
    const failed = await finished(ticket.id, (await reply(ticket.id, { body: 'Fixed.' })).body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toBe('Slack: channel_not_found');
  });
});

describe('replies by email (the send pipeline)', () => {
  it("send From the support address, threaded to the customer's message, with [Ticket #n]; the answer to it threads back into the ticket", async () => {
    const from = `client-${hex(4)}@client.example`;
    const first = await customers.email({ from, fromName: 'Cleo Client', to: support, subject: 'Invoice missing', text: 'Where is my invoice?' });
    expect(first.status).toBe(200);
    const ticket = await emailTicketFrom(from);

    const answered = await reply(ticket.id, {
      body: 'Attached, sorry!',
      attachments: [{ filename: 'invoice.txt', content: Buffer.from('INVOICE 42').toString('base64'), content_type: 'text/plain' }],
    });
    expect(answered.status).toBe(202);
    expect(answered.body).toMatchObject({ channel: 'email', sender: support, recipient: from });
    const sent = await finished(ticket.id, answered.body.id);
    expect(sent.status).toBe('sent');
    expect(sent.provider_message_id).toMatch(/^fake-/);

    expect(ses.sendCalls).toHaveLength(1);
    const request = JSON.parse(ses.requests[0]!.body);
    expect(request.FromEmailAddress).toBe(`"${await orgName()}" <${support}>`);
    expect(request.Destination.ToAddresses).toEqual([from]);
    expect(request.Content.Simple.Subject.Data).toBe(`Re: Invoice missing [Ticket #${ticket.number}]`);
    expect(request.Content.Simple.Body.Text.Data).toBe('Attached, sorry!');
    expect(request.Content.Simple.Headers).toHaveLength(2);
    expect(request.Content.Simple.Headers).toEqual(
      expect.arrayContaining([
        { Name: 'In-Reply-To', Value: first.messageId },
        { Name: 'References', Value: first.messageId },
      ]),
    );
    expect(request.Content.Simple.Attachments).toMatchObject([{ FileName: 'invoice.txt', ContentType: 'text/plain' }]);

    // The customer answers the reply: their client names SES's Message-ID of it.
    await customers.email({
      from,
      to: support,
      subject: 'Re: Invoice missing',
      text: 'Got it, thanks',
      inReplyTo: `<${sent.provider_message_id}@email.amazonses.com>`,
    });
    await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/v1/tickets/${ticket.id}`, { key: org.key });
      return body.conversation.length === 3 ? body : undefined;
    }, 'the answer in the same ticket');
  });

  it("retry SES throttling, and end failed with SES's reason on a rejection", async () => {
    const from = `client-${hex(4)}@client.example`;
    await customers.email({ from, to: support, subject: 'Question', text: '?' });
    const ticket = await emailTicketFrom(from);
    ses.throttleNext = 1;
    expect((await finished(ticket.id, (await reply(ticket.id, { body: 'Answer.' })).body.id)).status).toBe('sent');
    expect(ses.sendCalls).toHaveLength(2);

    ses.rejectWith = 'MessageRejected';
    const failed = await finished(ticket.id, (await reply(ticket.id, { body: 'Another answer.' })).body.id);
    expect(failed.status).toBe('failed');
    expect(failed.failure_reason).toContain('MessageRejected');
  });
});

describe('reply requests that cannot be sent', () => {
  it('are refused with a clear 4xx and change nothing', async () => {
    const customer = phone();
    await customers.sms(customer, 'Hi');
    const ticket = await ticketOf('twilio', customer);
    const cases: [Record<string, unknown>, number, string][] = [
      [{}, 400, 'validation_failed'],
      [{ body: '   ' }, 400, 'validation_failed'],
      [{ body: 'x'.repeat(1601) }, 400, 'validation_failed'],
      [{ body: 'hi', channel: 'fax' }, 400, 'validation_failed'],
      [{ body: 'hi', attachments: [{ filename: 'a.txt', content: 'QQ==' }] }, 400, 'validation_failed'],
      [{ body: 'hi', channel: 'slack' }, 422, 'reply_channel_unavailable'],
      [{ body: 'hi', channel: 'whatsapp' }, 422, 'reply_window_closed'],
      // The SMS customer has no email address.
      [{ body: 'hi', channel: 'email' }, 422, 'reply_channel_unavailable'],
    ];
    for (const [body, status, code] of cases) {
      const response = await reply(ticket.id, body);
      expect([JSON.stringify(body).slice(0, 60), response.status, response.body.error?.code]).toEqual([JSON.stringify(body).slice(0, 60), status, code]);
    }
    expect(twilio.requests).toHaveLength(0);
    expect(await stack.db.selectFrom('ticket_replies').select('id').where('ticket_id', '=', ticket.id).execute()).toEqual([]);

    // The dashboard's procedure takes the same request and refuses the same way.
    const viaTrpc = await trpc(stack.api.url, org.key, 'helpdesk.reply', { ticketId: ticket.id, idempotencyKey: 'k-1', body: 'hi', channel: 'whatsapp' });
    expect(viaTrpc.status).toBe(422);
    expect(viaTrpc.error?.message).toContain('24 hours');

    // A key without the helpdesk scope, and another organization's key.
    const reader = await createOrgWithKey(stack.db, ['read', 'send']);
    expect((await call(stack.api.url, `/api/v1/tickets/${ticket.id}/replies`, { key: reader.key, body: { body: 'hi' } })).status).toBe(403);
    expect((await trpc(stack.api.url, reader.key, 'helpdesk.reply', { ticketId: ticket.id, idempotencyKey: 'k-2', body: 'hi' })).status).toBe(403);
    const other = await createOrgWithKey(stack.db, ['helpdesk']);
    expect((await call(stack.api.url, `/api/v1/tickets/${ticket.id}/replies`, { key: other.key, body: { body: 'hi' } })).status).toBe(404);
    expect(twilio.requests).toHaveLength(0);
  });
});

async function orgName(): Promise<string> {
  return (await stack.db.selectFrom('organizations').select('name').where('id', '=', org.orgId).executeTakeFirstOrThrow()).name;
}
