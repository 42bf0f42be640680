import { createHmac, randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { channelMessageWorkflowId, dialpadCallWorkflowId } from '../src/temporal/ids.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const TWILIO_NUMBER = '+15551234567';
const TWILIO_TOKEN = 'twilio-auth-token-123';
const WA_PHONE_ID = `1${randomBytes(5).toString('hex').replace(/\D/g, '7')}`;
const WA_SECRET = 'whatsapp-app-secret';
const PAGE_ID = `page${randomBytes(4).toString('hex')}`;
const FB_SECRET = 'messenger-app-secret';
const DIALPAD_NUMBER = '+15557654321';
const DIALPAD_SECRET = 'dialpad-webhook-secret';
const SLACK_ADDRESS = 'T0001:C0001';
const SLACK_SECRET = 'slack-signing-secret';

let stack: Stack;
let org: { orgId: string; key: string };
const channelIds: Record<string, string> = {};

beforeAll(async () => {
  // Voicemails wait 3 s for recording and transcription; a hung-up call 0.5 s for a late voicemail.
  stack = await startStack({
    env: { RELAY_ENCRYPTION_KEY: generateEncryptionKey(), DIALPAD_VOICEMAIL_WAIT_SECONDS: '3', DIALPAD_AFTER_HANGUP_WAIT_SECONDS: '0.5' },
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin']);
  for (const body of [
    { type: 'twilio', address: TWILIO_NUMBER, secret: TWILIO_TOKEN, auto_reply: "Thank you for your message. We'll respond shortly." },
    { type: 'whatsapp', address: WA_PHONE_ID, secret: WA_SECRET, verify_token: 'wa-verify-token' },
    { type: 'messenger', address: PAGE_ID, secret: FB_SECRET, verify_token: 'fb-verify-token' },
    { type: 'dialpad', address: DIALPAD_NUMBER, secret: DIALPAD_SECRET },
    { type: 'slack', address: SLACK_ADDRESS, secret: SLACK_SECRET },
  ]) {
    const response = await call(stack.api.url, '/api/v1/channels', { key: org.key, body });
    expect(response.status).toBe(201);
    channelIds[body.type] = response.body.id;
    expect(JSON.stringify(response.body)).not.toContain(body.secret);
  }
});
afterAll(() => stack?.stop());

const phone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

async function ticketsFor(channel: string, threadKey: string) {
  return stack.db
    .selectFrom('tickets')
    .selectAll()
    .where('org_id', '=', org.orgId)
    .where('channel', '=', channel)
    .where('thread_key', '=', threadKey)
    .execute();
}

async function threaded(externalId: string) {
  const message = await eventually(
    () => stack.db.selectFrom('channel_messages').select(['id']).where('external_id', '=', externalId).executeTakeFirst(),
    `message ${externalId} stored`,
  );
  return eventually(() => stack.client.workflow.getHandle(channelMessageWorkflowId(message.id)).result(), `message ${externalId} threaded`);
}

const stored = async () =>
  Number(
    (
      await stack.db
        .selectFrom('channel_messages')
        .select(({ fn }) => fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('Twilio SMS', () => {
  async function sms(params: Record<string, string>, token = TWILIO_TOKEN) {
    const url = `${stack.config.publicUrl}/api/webhooks/sms`;
    const signature = twilio.getExpectedTwilioSignature(token, url, params);
    const response = await fetch(`${stack.api.url}/api/webhooks/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
  }
  const params = (from: string, sid: string, extra: Record<string, string> = {}) => ({
    From: from,
    To: TWILIO_NUMBER,
    Body: 'My printer is broken',
    MessageSid: sid,
    NumMedia: '0',
    AccountSid: 'AC123',
    ...extra,
  });

  it('threads messages from one number into one open ticket, answers the configured auto-reply in TwiML, and ignores a repeated MessageSid', async () => {
    const from = phone();
    const first = await sms(
      params(from, `SM${randomBytes(16).toString('hex')}`, { NumMedia: '1', MediaUrl0: 'https://api.twilio.com/media/ME1', MediaContentType0: 'image/jpeg' }),
    );
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/text\/xml/);
    expect(first.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Message>Thank you for your message. We&apos;ll respond shortly.</Message></Response>`,
    );
    const secondSid = `SM${randomBytes(16).toString('hex')}`;
    await sms(params(from, secondSid, { Body: 'Still broken' }));
    await threaded(secondSid);
    const tickets = await ticketsFor('twilio', from);
    expect(tickets).toHaveLength(1);
    const conversation = await stack.db
      .selectFrom('conversation_messages')
      .select(['body_text'])
      .where('ticket_id', '=', tickets[0]!.id)
      .orderBy('created_at')
      .execute();
    expect(conversation.map((message) => message.body_text)).toEqual(['My printer is broken\n[image/jpeg] https://api.twilio.com/media/ME1', 'Still broken']);
    const customer = await stack.db.selectFrom('customers').select(['phone']).where('id', '=', tickets[0]!.customer_id!).executeTakeFirstOrThrow();
    expect(customer.phone).toBe(from);

    const before = await stored();
    expect((await sms(params(from, secondSid, { Body: 'Still broken' }))).status).toBe(200);
    expect(await stored()).toBe(before);
  });

  it('refuses a request signed with the wrong token, or tampered, storing nothing', async () => {
    const before = await stored();
    expect((await sms(params(phone(), 'SMforged'), 'wrong-token')).status).toBe(401);
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${stack.config.publicUrl}/api/webhooks/sms`, params('+15550000000', 'SMtampered'));
    const tampered = await fetch(`${stack.api.url}/api/webhooks/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params('+15550000000', 'SMtampered', { Body: 'changed' })).toString(),
    });
    expect(tampered.status).toBe(401);
    expect(await stored()).toBe(before);
  });
});

const metaSign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('WhatsApp and Messenger', () => {
  it('answers the GET handshake only with the right verify token', async () => {
    const ok = await fetch(`${stack.api.url}/api/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wa-verify-token&hub.challenge=1158201444`);
    expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
    const fb = await fetch(`${stack.api.url}/api/webhooks/messenger?hub.mode=subscribe&hub.verify_token=fb-verify-token&hub.challenge=abc`);
    expect(await fb.text()).toBe('abc');
    expect((await fetch(`${stack.api.url}/api/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`)).status).toBe(403);
    expect((await fetch(`${stack.api.url}/api/webhooks/messenger?hub.mode=unsubscribe&hub.verify_token=fb-verify-token&hub.challenge=1`)).status).toBe(403);
  });

  const wamid = () => `wamid.${randomBytes(12).toString('hex')}`;
  const waMessage = (from: string, id: string, type: string, content: Record<string, unknown>) => ({ from, id, timestamp: '1714000000', type, ...content });
  const waBody = (messages: Record<string, unknown>[], from: string) =>
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA_ID',
          changes: [
            {
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15551234567', phone_number_id: WA_PHONE_ID },
                contacts: [{ profile: { name: 'Customer Name' }, wa_id: from }],
                messages: messages.slice(0, 4),
              },
              field: 'messages',
            },
          ],
        },
        // A second entry in the same POST: batches are processed whole.
        {
          id: 'WABA_ID',
          changes: [{ value: { messaging_product: 'whatsapp', metadata: { phone_number_id: WA_PHONE_ID }, messages: messages.slice(4) }, field: 'messages' }],
        },
      ],
    });

  it('stores every WhatsApp message type from a batched POST, threaded by wa_id, once', async () => {
    const from = `1555${randomBytes(3).toString('hex').replace(/\D/g, '1')}`;
    const messages = [
      waMessage(from, wamid(), 'text', { text: { body: 'Hello, I need help' } }),
      waMessage(from, wamid(), 'image', { image: { id: 'img1', mime_type: 'image/jpeg', caption: 'the error' } }),
      waMessage(from, wamid(), 'document', { document: { id: 'doc1', filename: 'invoice.pdf' } }),
      waMessage(from, wamid(), 'audio', { audio: { id: 'aud1', mime_type: 'audio/ogg' } }),
      waMessage(from, wamid(), 'video', { video: { id: 'vid1' } }),
      waMessage(from, wamid(), 'location', { location: { latitude: 52.52, longitude: 13.4, name: 'Office' } }),
      waMessage(from, wamid(), 'contacts', { contacts: [{ name: { formatted_name: 'Jane Doe' } }] }),
      waMessage(from, wamid(), 'interactive', { interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Yes, please' } } }),
    ];
    const body = waBody(messages, from);
    const response = await call(stack.api.url, '/api/webhooks/whatsapp', {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(WA_SECRET, body) },
    });
    expect(response.status).toBe(200);
    for (const message of messages) await threaded(message.id as string);
    const rows = await stack.db.selectFrom('channel_messages').select(['kind', 'body']).where('sender', '=', from).orderBy('received_at').execute();
    expect(rows.map((row) => row.kind).sort()).toEqual(['audio', 'contacts', 'document', 'image', 'interactive', 'location', 'text', 'video']);
    expect(rows.find((row) => row.kind === 'interactive')?.body).toBe('Yes, please');
    expect(await ticketsFor('whatsapp', from)).toHaveLength(1);
    const customer = await stack.db
      .selectFrom('channel_identities')
      .innerJoin('customers', 'customers.id', 'channel_identities.customer_id')
      .select('customers.name')
      .where('identity', '=', from)
      .executeTakeFirstOrThrow();
    expect(customer.name).toBe('Customer Name');

    const before = await stored();
    expect(
      (
        await call(stack.api.url, '/api/webhooks/whatsapp', {
          rawBody: body,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(WA_SECRET, body) },
        })
      ).status,
    ).toBe(200);
    expect(await stored()).toBe(before);
    expect(
      (
        await call(stack.api.url, '/api/webhooks/whatsapp', {
          rawBody: body,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign('wrong', body) },
        })
      ).status,
    ).toBe(401);
  });

  it('refuses a batch naming more numbers than Meta ever batches (each costs a lookup) with 413, before looking any up', async () => {
    const change = (phoneNumberId: string) => ({
      value: {
        messaging_product: 'whatsapp',
        metadata: { phone_number_id: phoneNumberId },
        messages: [waMessage('15550000000', wamid(), 'text', { text: { body: 'x' } })],
      },
    });
    const ids = Array.from({ length: 101 }, (_, index) => `9${String(index).padStart(9, '0')}`);
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'WABA', changes: [change(WA_PHONE_ID), ...ids.map(change)] }] });
    const response = await call(stack.api.url, '/api/webhooks/whatsapp', {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(WA_SECRET, body) },
    });
    expect(response.status).toBe(413);
  });

  it("a batch naming several numbers stores each number's messages in its own organization, and skips numbers it cannot verify", async () => {
    // One Meta app can serve numbers of two Relay organizations (an agency): one signature, one secret.
    const agency = await createOrgWithKey(stack.db, ['send', 'read', 'admin']);
    const agencyNumber = `2${randomBytes(5).toString('hex').replace(/\D/g, '3')}`;
    expect(
      (
        await call(stack.api.url, '/api/v1/channels', {
          key: agency.key,
          body: { type: 'whatsapp', address: agencyNumber, secret: WA_SECRET, verify_token: 'agency-verify-token' },
        })
      ).status,
    ).toBe(201);
    const from = `1666${randomBytes(3).toString('hex').replace(/\D/g, '2')}`;
    const entry = (phoneNumberId: string, id: string) => ({
      id: 'WABA_ID',
      changes: [
        {
          value: {
            messaging_product: 'whatsapp',
            metadata: { phone_number_id: phoneNumberId },
            messages: [waMessage(from, id, 'text', { text: { body: id } })],
          },
          field: 'messages',
        },
      ],
    });
    const [unknownId, agencyId, ourId] = [wamid(), wamid(), wamid()];
    // The first entry names a number nobody registered: it must not sink the rest.
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [entry('999000111', unknownId), entry(agencyNumber, agencyId), entry(WA_PHONE_ID, ourId)],
    });
    const response = await call(stack.api.url, '/api/webhooks/whatsapp', {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(WA_SECRET, body) },
    });
    expect(response.status).toBe(200);
    await threaded(agencyId);
    await threaded(ourId);
    const rows = await stack.db.selectFrom('channel_messages').select(['external_id', 'org_id']).where('sender', '=', from).execute();
    expect(Object.fromEntries(rows.map((row) => [row.external_id, row.org_id]))).toEqual({ [agencyId]: agency.orgId, [ourId]: org.orgId });
  });

  it('stores Messenger messages, postbacks, reads and deliveries; only messages and postbacks thread, by PSID', async () => {
    const psid = `psid${randomBytes(4).toString('hex')}`;
    const mid = `m_${randomBytes(8).toString('hex')}`;
    const body = JSON.stringify({
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: 1714000000,
          messaging: [
            {
              sender: { id: psid },
              recipient: { id: PAGE_ID },
              timestamp: 1714000001,
              message: { mid, text: 'Hello, I need help', attachments: [{ type: 'image', payload: { url: 'https://cdn.example/x.png' } }] },
            },
            { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: 1714000002, postback: { title: 'Get Started', payload: 'GET_STARTED' } },
            { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: 1714000003, read: { watermark: 1714000001 } },
            { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: 1714000004, delivery: { mids: [mid], watermark: 1714000001 } },
          ],
        },
      ],
    });
    const response = await call(stack.api.url, '/api/webhooks/messenger', {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign(FB_SECRET, body) },
    });
    expect(response.status).toBe(200);
    await threaded(mid);
    const rows = await stack.db.selectFrom('channel_messages').select(['id', 'kind', 'ticket_id']).where('sender', '=', psid).execute();
    expect(rows.map((row) => row.kind).sort()).toEqual(['delivery', 'message', 'postback', 'read']);
    for (const row of rows) await eventually(() => stack.client.workflow.getHandle(channelMessageWorkflowId(row.id)).result(), 'each event processed');
    const after = await stack.db.selectFrom('channel_messages').select(['kind', 'ticket_id']).where('sender', '=', psid).execute();
    expect(
      after
        .filter((row) => row.ticket_id !== null)
        .map((row) => row.kind)
        .sort(),
    ).toEqual(['message', 'postback']);
    expect(await ticketsFor('messenger', psid)).toHaveLength(1);
    expect(
      (
        await call(stack.api.url, '/api/webhooks/messenger', {
          rawBody: body,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSign('wrong', body) },
        })
      ).status,
    ).toBe(401);
  });
});

describe('Dialpad', () => {
  async function dialpad(payload: Record<string, unknown>, secret = DIALPAD_SECRET) {
    const body = JSON.stringify(payload);
    return call(stack.api.url, '/api/webhooks/dialpad', {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-dialpad-signature': createHmac('sha256', secret).update(body).digest('hex') },
    });
  }
  const callEvent = (callId: string, caller: string, state: string, extra: Record<string, unknown> = {}) => ({
    call_id: callId,
    state,
    direction: 'inbound',
    target: { phone_number: DIALPAD_NUMBER, name: 'Support Line' },
    contact: { phone_number: caller, name: 'Customer Name' },
    started_at: 1714000000,
    ...extra,
  });

  async function voicemailCall(order: string[]) {
    const callId = `call-${randomBytes(4).toString('hex')}`;
    const caller = phone();
    const events: Record<string, Record<string, unknown>> = {
      ringing: callEvent(callId, caller, 'ringing'),
      voicemail: callEvent(callId, caller, 'voicemail'),
      voicemail_uploaded: callEvent(callId, caller, 'voicemail_uploaded', { voicemail_link: 'https://dialpad.example/vm/1.mp3' }),
      transcription: callEvent(callId, caller, 'transcription', { transcription_text: 'Hi, please call me back about my invoice.' }),
    };
    for (const state of order) expect((await dialpad(events[state]!)).status).toBe(200);
    const result = await eventually(() => stack.client.workflow.getHandle(dialpadCallWorkflowId(channelIds.dialpad!, callId)).result(), 'the call workflow');
    return { callId, caller, result };
  }

  it('a voicemail makes exactly one ticket with the recording and the transcription, in order', async () => {
    const { result, caller } = await voicemailCall(['ringing', 'voicemail', 'voicemail_uploaded', 'transcription']);
    expect(result.states).toEqual(['ringing', 'voicemail', 'voicemail_uploaded', 'transcription']);
    const tickets = await stack.db.selectFrom('tickets').selectAll().where('id', '=', result.ticketId).execute();
    expect(tickets).toHaveLength(1);
    const [message] = await stack.db.selectFrom('conversation_messages').select('body_text').where('ticket_id', '=', result.ticketId).execute();
    expect(message?.body_text).toContain('Hi, please call me back about my invoice.');
    expect(message?.body_text).toContain('https://dialpad.example/vm/1.mp3');
    expect(await stack.db.selectFrom('dialpad_calls').select('caller').where('ticket_id', '=', result.ticketId).executeTakeFirstOrThrow()).toEqual({ caller });
  });

  it('and out of order (transcription before the upload), still exactly one ticket', async () => {
    const { callId, result } = await voicemailCall(['voicemail', 'transcription', 'voicemail_uploaded']);
    const tickets = await stack.db.selectFrom('tickets').select('id').where('org_id', '=', org.orgId).where('thread_key', '=', `call:${callId}`).execute();
    expect(tickets.map((ticket) => ticket.id)).toEqual([result.ticketId]);
  });

  it('goes on with what it has when the recording never comes', async () => {
    const { result } = await voicemailCall(['voicemail', 'transcription']);
    const [message] = await stack.db.selectFrom('conversation_messages').select('body_text').where('ticket_id', '=', result.ticketId).execute();
    expect(message?.body_text).toContain('No recording was available.');
  });

  it('a call answered and hung up makes no ticket but keeps the call record; a repeated event is a no-op', async () => {
    const callId = `call-${randomBytes(4).toString('hex')}`;
    const caller = phone();
    for (const state of ['ringing', 'connected', 'connected', 'hangup']) expect((await dialpad(callEvent(callId, caller, state))).status).toBe(200);
    const result = await eventually(() => stack.client.workflow.getHandle(dialpadCallWorkflowId(channelIds.dialpad!, callId)).result(), 'the call');
    expect(result).toEqual({ ticketId: null, states: ['ringing', 'connected', 'hangup'] });
    expect(await stack.db.selectFrom('dialpad_calls').select('states').where('call_id', '=', callId).executeTakeFirstOrThrow()).toEqual({
      states: ['ringing', 'connected', 'hangup'],
    });
  });

  it("keeps each organization's calls apart even when another tenant's events reuse the call id", async () => {
    // Call ids are Dialpad's, not secrets: another tenant can send events naming them through its own number.
    const mallory = await createOrgWithKey(stack.db, ['send', 'read', 'admin']);
    const malloryNumber = phone();
    expect(
      (await call(stack.api.url, '/api/v1/channels', { key: mallory.key, body: { type: 'dialpad', address: malloryNumber, secret: 'mallory-secret' } })).status,
    ).toBe(201);
    const callId = `call-${randomBytes(4).toString('hex')}`;
    const caller = phone();
    const forged = (state: string, extra: Record<string, unknown> = {}) => ({
      ...callEvent(callId, caller, state, extra),
      target: { phone_number: malloryNumber },
    });
    // Mallory goes first, so a workflow keyed by the call id alone would be hers.
    expect((await dialpad(forged('voicemail', { transcription_text: 'Mallory was here' }), 'mallory-secret')).status).toBe(200);
    expect((await dialpad(forged('voicemail_uploaded', { voicemail_link: 'https://evil.example/vm.mp3' }), 'mallory-secret')).status).toBe(200);
    for (const [state, extra] of [
      ['voicemail', {}],
      ['voicemail_uploaded', { voicemail_link: 'https://dialpad.example/vm/victim.mp3' }],
      ['transcription', { transcription_text: 'Please call me back.' }],
    ] as const) {
      expect((await dialpad(callEvent(callId, caller, state, extra))).status).toBe(200);
    }
    const voicemailOf = async (orgId: string) => {
      const ticket = await eventually(
        () => stack.db.selectFrom('tickets').select('id').where('org_id', '=', orgId).where('thread_key', '=', `call:${callId}`).executeTakeFirst(),
        `the voicemail ticket of ${orgId}`,
      );
      const messages = await stack.db.selectFrom('conversation_messages').select(['org_id', 'body_text']).where('ticket_id', '=', ticket.id).execute();
      return messages;
    };
    const [victimMessages, malloryMessages] = await Promise.all([voicemailOf(org.orgId), voicemailOf(mallory.orgId)]);
    expect(victimMessages).toHaveLength(1);
    expect(victimMessages[0]!.body_text).toContain('Please call me back.');
    expect(victimMessages[0]!.body_text).toContain('https://dialpad.example/vm/victim.mp3');
    expect(victimMessages[0]!.body_text).not.toContain('Mallory');
    expect(malloryMessages).toHaveLength(1);
    expect(malloryMessages[0]!.body_text).not.toContain('Please call me back.');
    const records = await stack.db.selectFrom('dialpad_calls').select(['org_id']).where('call_id', '=', callId).orderBy('org_id').execute();
    expect(records.map((record) => record.org_id).sort()).toEqual([org.orgId, mallory.orgId].sort());
  });

  it('threads Dialpad SMS by phone and refuses a bad signature', async () => {
    const from = phone();
    const sms = { event_type: 'sms', direction: 'inbound', from_number: from, to_number: DIALPAD_NUMBER, text: 'Is my order ready?', timestamp: 1714000000 };
    expect((await dialpad(sms)).status).toBe(200);
    const row = await eventually(() => stack.db.selectFrom('channel_messages').select('external_id').where('sender', '=', from).executeTakeFirst(), 'the sms');
    await threaded(row.external_id);
    expect(await ticketsFor('dialpad', from)).toHaveLength(1);
    const before = await stored();
    expect((await dialpad({ ...sms, text: 'forged' }, 'wrong-secret')).status).toBe(401);
    expect(await stored()).toBe(before);
  });

  it("a channel's sealed secret copied onto another channel does not verify there: its requests are refused and nothing is stored", async () => {
    const number = phone();
    const other = await call(stack.api.url, '/api/v1/channels', { key: org.key, body: { type: 'dialpad', address: number, secret: 'other-line-secret' } });
    expect(other.status).toBe(201);
    const { secret_sealed } = await stack.db.selectFrom('channels').select('secret_sealed').where('id', '=', channelIds.dialpad!).executeTakeFirstOrThrow();
    await stack.db.updateTable('channels').set({ secret_sealed }).where('id', '=', other.body.id).execute();

    const before = await stored();
    const sms = { event_type: 'sms', direction: 'inbound', from_number: phone(), to_number: number, text: 'signed with the other line', timestamp: 1714000000 };
    const refused = await dialpad(sms, DIALPAD_SECRET);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'service_unavailable', message: expect.stringContaining('cannot be opened') });
    expect((await dialpad(sms, 'other-line-secret')).status).toBe(503);
    expect(await stored()).toBe(before);
    expect((await call(stack.api.url, `/api/v1/channels/${other.body.id}`, { key: org.key, method: 'DELETE' })).status).toBe(204);
  });
});

describe('Slack', () => {
  async function slack(payload: Record<string, unknown>, options: { secret?: string; timestamp?: number } = {}) {
    const body = JSON.stringify(payload);
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', options.secret ?? SLACK_SECRET)
      .update(`v0:${timestamp}:${body}`)
      .digest('hex')}`;
    return call(stack.api.url, '/api/webhooks/slack', {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
    });
  }
  const message = (ts: string, threadTs?: string, text = 'The VPN is down') => ({
    token: 'x',
    team_id: 'T0001',
    type: 'event_callback',
    event_id: `Ev${randomBytes(6).toString('hex')}`,
    event: { type: 'message', channel: 'C0001', user: 'U0001', text, ts, ...(threadTs ? { thread_ts: threadTs } : {}) },
  });

  it('answers url_verification with its challenge', async () => {
    const response = await slack({ token: 'x', challenge: 'challenge-accepted', type: 'url_verification' });
    expect(response.body).toEqual({ challenge: 'challenge-accepted' });
  });

  it('brings channel messages into conversations threaded by thread ts', async () => {
    const root = `${Math.floor(Date.now() / 1000)}.000100`;
    const first = message(root);
    const reply = message(`${Math.floor(Date.now() / 1000)}.000200`, root, 'Still down');
    expect((await slack(first)).status).toBe(200);
    expect((await slack(reply)).status).toBe(200);
    await threaded(first.event_id);
    await threaded(reply.event_id);
    const tickets = await ticketsFor('slack', `C0001:${root}`);
    expect(tickets).toHaveLength(1);
  });

  it('refuses stale and wrongly signed requests, storing nothing', async () => {
    const before = await stored();
    expect((await slack(message('1.1'), { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(401);
    expect((await slack(message('1.2'), { secret: 'wrong' })).status).toBe(401);
    expect(await stored()).toBe(before);
  });
});

describe('channel management', () => {
  it('refuses bad channels and keeps each organization to its own', async () => {
    expect((await call(stack.api.url, '/api/v1/channels', { key: org.key, body: { type: 'whatsapp', address: '123', secret: 'longenough' } })).status).toBe(
      400,
    );
    expect((await call(stack.api.url, '/api/v1/channels', { key: org.key, body: { type: 'fax', address: '1', secret: 'longenough' } })).status).toBe(400);
    expect(
      (await call(stack.api.url, '/api/v1/channels', { key: org.key, body: { type: 'twilio', address: TWILIO_NUMBER, secret: 'another-token' } })).status,
    ).toBe(409);
    const other = await createOrgWithKey(stack.db, ['admin']);
    expect((await call(stack.api.url, '/api/v1/channels', { key: other.key })).body.data).toEqual([]);
    const mine = (await call(stack.api.url, '/api/v1/channels', { key: org.key })).body.data;
    expect(mine).toHaveLength(5);
    expect((await call(stack.api.url, `/api/v1/channels/${mine[0].id}`, { key: other.key, method: 'DELETE' })).status).toBe(404);
  });
});
