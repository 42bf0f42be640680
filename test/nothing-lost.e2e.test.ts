// Nothing received is lost: rows stored whose workflow was never started (the start failed:
// Temporal down, the API killed in between) are started by the sweep, each kind processed
// exactly once; a provider's retry of a delivery whose start failed gets it processed too;
// a debrief retried with its Idempotency-Key creates no second delivery.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { upsertHubUser } from '../src/auth/repository.js';
import { openDialpadCall, storeChannelMessages } from '../src/channels/repository.js';
import { dialpadCallEvent } from '../src/channels/parse.js';
import { insertCommerceEvent } from '../src/commerce/repository.js';
import { loadConfig } from '../src/config.js';
import type { Channel } from '../src/db/tables/channels.js';
import { insertEmail } from '../src/emails/repository.js';
import { storeInbound } from '../src/inbound/repository.js';
import { createPartner } from '../src/partners/credentials.js';
import { insertPartnerDeliveries } from '../src/partners/delivery-repository.js';
import { issuePartnerToken } from '../src/partners/oauth-repository.js';
import { createSecretBox, generateEncryptionKey } from '../src/security/encryption.js';
import { insertSnsMessage } from '../src/sns/repository.js';
import { STRANDED_KINDS, type StrandedKind } from '../src/sweep/kinds.js';
import { dialpadCallWorkflowId, sweepScheduleId } from '../src/temporal/ids.js';
import { createWebhook, insertWebhookEvents } from '../src/webhooks/repository.js';
import { PartnerReceiver } from './fakes/partner-receiver.js';
import { WebhookReceiver } from './fakes/webhook-receiver.js';
import { call, eventually } from './support/http.js';
import { sesEmailsTo } from './support/ses-store.js';
import { TOPIC_ARN, makeSigningCertificate, sesEvents, sesNotification } from './support/sns.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const ENCRYPTION_KEY = generateEncryptionKey();
const POSTMARK_TOKEN = 'postmark-token';
const TWILIO_NUMBER = '+15551110000';
const TWILIO_TOKEN = 'twilio-token';
const DIALPAD_NUMBER = '+15552220000';
const DIALPAD_SECRET = 'dialpad-secret';
const { key: signingKey } = makeSigningCertificate();

let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;
const channels: Record<string, Channel> = {};
const webhookReceiver = new WebhookReceiver();
const partnerReceiver = new PartnerReceiver('set below');

beforeAll(async () => {
  await Promise.all([webhookReceiver.start(), partnerReceiver.start()]);
  stack = await startStack({
    env: {
      RELAY_ENCRYPTION_KEY: ENCRYPTION_KEY,
      RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
      POSTMARK_INBOUND_TOKEN: POSTMARK_TOKEN,
      SNS_TOPIC_ARNS: TOPIC_ARN,
      DIALPAD_VOICEMAIL_WAIT_SECONDS: '2',
      DIALPAD_AFTER_HANGUP_WAIT_SECONDS: '0.5',
      STRANDED_AFTER_SECONDS: '60',
    },
  });
  // The tests run the sweep themselves, one run at a time.
  await stack.client.schedule.getHandle(sweepScheduleId(stack.taskQueue)).pause('the test runs the sweep itself');
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin', 'debriefs']);
  for (const body of [
    { type: 'twilio', address: TWILIO_NUMBER, secret: TWILIO_TOKEN },
    { type: 'dialpad', address: DIALPAD_NUMBER, secret: DIALPAD_SECRET },
  ]) {
    expect((await call(stack.api.url, '/api/v1/channels', { key: org.key, body })).status).toBe(201);
    channels[body.type] = await stack.db.selectFrom('channels').selectAll().where('address', '=', body.address).executeTakeFirstOrThrow();
  }
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await Promise.all([webhookReceiver.stop(), partnerReceiver.stop()]);
});

/** One run of the sweep, waited for: how many workflows it started, by kind. */
const sweep = (): Promise<Record<StrandedKind, number>> =>
  stack.client.workflow.execute('sweepStrandedWorkWorkflow', { taskQueue: stack.taskQueue, workflowId: `sweep-test-${randomUUID()}` });

/** Ten minutes ago: well past STRANDED_AFTER_SECONDS, as a row left behind by a failed start would be. */
async function backdate(
  table:
    | 'emails'
    | 'inbound_messages'
    | 'sns_messages'
    | 'channel_messages'
    | 'dialpad_calls'
    | 'commerce_events'
    | 'webhook_events'
    | 'webhooks'
    | 'partner_deliveries',
  column: string,
) {
  await sql`update ${sql.table(table)} set ${sql.ref(column)} = now() - interval '10 minutes'`.execute(stack.db);
}

const phone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const ticketsWithThreadKey = (threadKey: string) =>
  stack.db.selectFrom('tickets').select('id').where('org_id', '=', org.orgId).where('thread_key', '=', threadKey).execute();

describe('the sweep of received work never started', () => {
  it('runs every minute and counts work as stranded two minutes after it was stored, in production', async () => {
    expect(loadConfig({}).strandedAfterMs).toBe(120_000);
    expect(loadConfig({ STRANDED_AFTER_SECONDS: '5' }).strandedAfterMs).toBe(5_000);
    const schedule = await stack.client.schedule.getHandle(sweepScheduleId(stack.taskQueue)).describe();
    expect(schedule.spec.intervals).toEqual([expect.objectContaining({ every: 60_000 })]);
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'sweepStrandedWorkWorkflow' });
  });

  it('an email: sent once; one stored a moment ago is left to its own start', async () => {
    const ids = [randomUUID(), randomUUID()];
    const to = ids.map((id) => `stranded-${id.slice(0, 8)}@example.org`);
    for (const [index, id] of ids.entries()) {
      await insertEmail(stack.db, {
        id,
        orgId: org.orgId,
        content: { from: 'a@example.com', to: [to[index]!], cc: [], bcc: [], reply_to: [], subject: 's', html: null, text: 't', headers: {}, attachments: [] },
        tags: {},
        metadata: {},
      });
    }
    await stack.db
      .updateTable('emails')
      .set({ created_at: new Date(Date.now() - 600_000) })
      .where('id', '=', ids[0]!)
      .execute();
    expect((await sweep()).email).toBe(1);
    await eventually(async () => ((await sesEmailsTo(stack.sesUrl, to[0]!)).length > 0 ? true : undefined), 'the stranded email sent');
    expect((await sweep()).email).toBe(0);
    expect(await sesEmailsTo(stack.sesUrl, to[0]!)).toHaveLength(1);
    const fresh = await stack.db.selectFrom('emails').select('status').where('id', '=', ids[1]!).executeTakeFirstOrThrow();
    expect(fresh.status).toBe('queued');
  });

  it('an inbound email still received: threaded into one ticket', async () => {
    const support = `help-${randomBytes(3).toString('hex')}@${org.domain}`;
    expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } })).status).toBe(201);
    const subject = `Stranded ${randomUUID()}`;
    const raw = Buffer.from(JSON.stringify({ From: 'client@client.example', To: support, Subject: subject, TextBody: 'Help', MessageID: randomUUID() }));
    const stored = await stack.db
      .transaction()
      .execute((trx) => storeInbound(trx, { provider: 'postmark', providerMessageId: randomUUID(), contentType: 'application/json', raw }));
    if (stored.stored === 'token-reused') throw new Error('unexpected');
    await backdate('inbound_messages', 'received_at');
    expect((await sweep()).inbound).toBe(1);
    const threaded = await eventually(async () => {
      const row = await stack.db.selectFrom('inbound_messages').select('status').where('id', '=', stored.id).executeTakeFirstOrThrow();
      return row.status === 'threaded' ? row : undefined;
    }, 'the inbound email threaded');
    expect(threaded.status).toBe('threaded');
    expect((await sweep()).inbound).toBe(0);
    expect(await stack.db.selectFrom('tickets').select('id').where('org_id', '=', org.orgId).where('subject', '=', subject).execute()).toHaveLength(1);
  });

  it('an SES event never processed: applied to its email once', async () => {
    const emailId = randomUUID();
    const sesMessageId = `0100-${randomUUID()}`;
    const to = `bounce-${emailId.slice(0, 8)}@example.org`;
    await insertEmail(stack.db, {
      id: emailId,
      orgId: org.orgId,
      content: { from: 'a@example.com', to: [to], cc: [], bcc: [], reply_to: [], subject: 's', html: null, text: 't', headers: {}, attachments: [] },
      tags: {},
      metadata: {},
    });
    await stack.db.updateTable('emails').set({ status: 'sent', ses_message_id: sesMessageId }).where('id', '=', emailId).execute();
    const message = sesNotification(signingKey, sesEvents.bounce(sesEvents.mail(sesMessageId, [to]), [to]));
    await insertSnsMessage(stack.db, { snsMessageId: message.MessageId, topicArn: TOPIC_ARN, eventType: 'Bounce', sesMessageId, payload: message });
    await backdate('sns_messages', 'received_at');
    expect((await sweep())['sns-message']).toBe(1);
    await eventually(async () => {
      const row = await stack.db.selectFrom('emails').select('status').where('id', '=', emailId).executeTakeFirstOrThrow();
      return row.status === 'bounced' ? true : undefined;
    }, 'the bounce applied');
    expect((await sweep())['sns-message']).toBe(0);
    const events = await stack.db.selectFrom('email_events').select('type').where('email_id', '=', emailId).where('type', '=', 'bounced').execute();
    expect(events).toHaveLength(1);
  });

  it('a channel message not threaded: one ticket with one message', async () => {
    const from = phone();
    const [message] = await storeChannelMessages(stack.db, channels.twilio!, [
      { externalId: `SM${randomBytes(16).toString('hex')}`, kind: 'sms', sender: from, senderName: null, threadKey: from, body: 'Stranded SMS', payload: {} },
    ]);
    await backdate('channel_messages', 'received_at');
    expect((await sweep())['channel-message']).toBe(1);
    await eventually(async () => ((await ticketsWithThreadKey(from)).length > 0 ? true : undefined), 'the SMS threaded');
    expect((await sweep())['channel-message']).toBe(0);
    const [ticket] = await ticketsWithThreadKey(from);
    expect(await stack.db.selectFrom('conversation_messages').select('body_text').where('ticket_id', '=', ticket!.id).execute()).toEqual([
      { body_text: 'Stranded SMS' },
    ]);
    expect(message!.stored).toBe(true);
  });

  it('a Dialpad call whose workflow never ran: its stored events make one voicemail ticket', async () => {
    const callId = `call-${randomBytes(4).toString('hex')}`;
    const caller = phone();
    const body = (state: string, extra: Record<string, unknown> = {}) => ({
      call_id: callId,
      state,
      contact: { phone_number: caller, name: 'Caller' },
      ...extra,
    });
    await openDialpadCall(stack.db, { orgId: org.orgId, channelId: channels.dialpad!.id, callId });
    for (const event of [
      body('voicemail', { transcription_text: 'Please call me back.' }),
      body('voicemail_uploaded', { voicemail_link: 'https://dialpad.example/vm/stranded.mp3' }),
    ]) {
      await storeChannelMessages(stack.db, channels.dialpad!, [dialpadCallEvent(event, callId).draft]);
    }
    await backdate('dialpad_calls', 'updated_at');
    expect((await sweep())['dialpad-call']).toBe(1);
    const finished = await eventually(
      () =>
        stack.db
          .selectFrom('dialpad_calls')
          .select(['ticket_id', 'states'])
          .where('call_id', '=', callId)
          .where('finished_at', 'is not', null)
          .executeTakeFirst(),
      'the call finished',
    );
    expect(finished.states).toEqual(['voicemail', 'voicemail_uploaded']);
    expect((await sweep())['dialpad-call']).toBe(0);
    const tickets = await ticketsWithThreadKey(`call:${callId}`);
    expect(tickets.map((ticket) => ticket.id)).toEqual([finished.ticket_id]);
  });

  it('a commerce event not applied, and the webhook event it raises: applied once, delivered once', async () => {
    const webhook = await createWebhook(stack.db, {
      id: randomUUID(),
      orgId: org.orgId,
      url: `${webhookReceiver.url}/commerce`,
      events: ['customer.created'],
      secretSealed: null,
      enabled: true,
    });
    const email = `buyer-${randomBytes(3).toString('hex')}@shop.example`;
    const { id } = await insertCommerceEvent(stack.db, {
      orgId: org.orgId,
      provider: 'shopify',
      eventId: randomUUID(),
      topic: 'customers/create',
      account: 'stranded.myshopify.com',
      payload: { id: Number(`9${randomBytes(3).readUIntBE(0, 3)}`), email, first_name: 'Stranded' },
    });
    await backdate('commerce_events', 'received_at');
    expect((await sweep())['commerce-event']).toBe(1);
    const delivered = () => webhookReceiver.accepted().filter((entry) => entry.body.data?.email === email);
    await eventually(async () => (delivered().length > 0 ? true : undefined), 'customer.created delivered');
    expect((await sweep())['commerce-event']).toBe(0);
    const processed = await stack.db.selectFrom('commerce_events').select('processed_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(processed.processed_at).not.toBeNull();
    expect(await stack.db.selectFrom('customers').select('id').where('org_id', '=', org.orgId).where('email', '=', email).execute()).toHaveLength(1);
    expect(delivered()).toHaveLength(1);
    await stack.db.updateTable('webhooks').set({ enabled: false }).where('id', '=', webhook.id).execute();
  });

  it('a webhook event never fanned out (the helpdesk change committed, its start failed): delivered once', async () => {
    await createWebhook(stack.db, {
      id: randomUUID(),
      orgId: org.orgId,
      url: `${webhookReceiver.url}/tickets`,
      events: ['ticket.updated'],
      secretSealed: null,
      enabled: true,
    });
    // The webhook was there before the event was raised, ten minutes ago.
    await backdate('webhooks', 'created_at');
    const marker = randomUUID();
    const [eventId] = await insertWebhookEvents(stack.db, org.orgId, [{ type: 'ticket.updated', data: { marker } }]);
    await backdate('webhook_events', 'created_at');
    expect((await sweep())['webhook-event']).toBe(1);
    const delivered = () => webhookReceiver.accepted().filter((entry) => entry.body.data?.marker === marker);
    await eventually(async () => (delivered().length > 0 ? true : undefined), 'ticket.updated delivered');
    expect((await sweep())['webhook-event']).toBe(0);
    expect(delivered()).toHaveLength(1);
    const planned = await stack.db.selectFrom('webhook_events').select('fanned_out_at').where('id', '=', eventId!).executeTakeFirstOrThrow();
    expect(planned.fanned_out_at).not.toBeNull();
  });

  it('a webhook event fanned out late reaches the webhooks there when it was raised, not one created since', async () => {
    const webhookFor = (path: string) =>
      createWebhook(stack.db, {
        id: randomUUID(),
        orgId: org.orgId,
        url: `${webhookReceiver.url}/${path}`,
        events: ['ticket.assigned'],
        secretSealed: null,
        enabled: true,
      });
    const before = await webhookFor('there-before');
    await backdate('webhooks', 'created_at');
    const marker = randomUUID();
    const [eventId] = await insertWebhookEvents(stack.db, org.orgId, [{ type: 'ticket.assigned', data: { marker } }]);
    // Raised five minutes ago; its fan-out did not start (an outage), and a webhook was created since.
    await sql`update webhook_events set created_at = now() - interval '5 minutes' where id = ${eventId}`.execute(stack.db);
    const since = await webhookFor('created-since');
    expect((await sweep())['webhook-event']).toBe(1);
    const deliveredTo = (path: string) =>
      webhookReceiver.received.filter((entry) => entry.request.path === `/${path}` && JSON.parse(entry.request.body).data?.marker === marker);
    await eventually(async () => (deliveredTo('there-before').length > 0 ? true : undefined), 'ticket.assigned delivered to the webhook there before');
    const deliveries = await stack.db.selectFrom('webhook_deliveries').select('webhook_id').where('event_id', '=', eventId!).execute();
    expect(deliveries.map((delivery) => delivery.webhook_id)).toContain(before.id);
    expect(deliveries.map((delivery) => delivery.webhook_id)).not.toContain(since.id);
    expect(deliveredTo('created-since')).toEqual([]);
    await stack.db.updateTable('webhooks').set({ enabled: false }).where('id', 'in', [before.id, since.id]).execute();
  });

  it('a partner delivery pending with no run: delivered once', async () => {
    const { userId } = await connectedUser();
    const idempotencyKey = randomUUID();
    const { partnerId, connectionId } = connection!;
    await insertPartnerDeliveries(stack.db, [
      {
        idempotencyKey,
        orgId: org.orgId,
        partnerId,
        connectionId,
        userId,
        action: 'create_note',
        payload: { action: 'create_note', record_id: 'r-1', content: 'x' },
      },
    ]);
    await backdate('partner_deliveries', 'created_at');
    expect((await sweep())['partner-delivery']).toBe(1);
    const received = () => partnerReceiver.received.filter((entry) => entry.request.headers['x-relayit-idempotency-key'] === idempotencyKey);
    await eventually(async () => (received().length > 0 ? true : undefined), 'the delivery');
    await eventually(async () => {
      const row = await stack.db.selectFrom('partner_deliveries').select('status').where('idempotency_key', '=', idempotencyKey).executeTakeFirstOrThrow();
      return row.status === 'succeeded' ? true : undefined;
    }, 'the delivery recorded');
    expect((await sweep())['partner-delivery']).toBe(0);
    expect(received()).toHaveLength(1);
  });

  it('a run with nothing stranded starts nothing', async () => {
    expect(Object.values(await sweep()).every((started) => started === 0)).toBe(true);
    expect(Object.keys(await sweep()).sort()).toEqual([...STRANDED_KINDS].sort());
  });
});

let connection: { partnerId: string; connectionId: string; userId: string } | undefined;

/** A partner pointing at the receiver and a user of the organization connected to it (what OAuth consent leaves behind). */
async function connectedUser(): Promise<{ userId: string }> {
  if (connection) return connection;
  const { partner, credentials } = await createPartner(stack.db, createSecretBox(ENCRYPTION_KEY), {
    name: 'Stranded CRM',
    redirectUris: ['https://crm.example/callback'],
    webhookUrl: `${partnerReceiver.url}/relayit`,
  });
  partnerReceiver.secret = credentials.webhook_signing_secret;
  const user = await upsertHubUser(stack.db, { orgId: org.orgId, hubUserId: `hub-${randomUUID()}`, email: null, name: null });
  await issuePartnerToken(stack.db, {
    codeHash: randomBytes(32),
    tokenHash: randomBytes(32),
    refreshTokenHash: randomBytes(32),
    expiresAt: null,
    partnerId: partner.id,
    userId: user.id,
    scope: 'debriefs',
  });
  const row = await stack.db
    .selectFrom('crm_connections')
    .select('id')
    .where('partner_id', '=', partner.id)
    .where('user_id', '=', user.id)
    .executeTakeFirstOrThrow();
  connection = { partnerId: partner.id, connectionId: row.id, userId: user.id };
  return connection;
}

describe('a provider retry of a delivery whose start failed', () => {
  it('Twilio: the repeated MessageSid is threaded (started on every delivery), still one ticket', async () => {
    const from = phone();
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const params = { From: from, To: TWILIO_NUMBER, Body: 'Retried SMS', MessageSid: sid, NumMedia: '0', AccountSid: 'AC1' };
    // The first delivery was stored and its start failed.
    await storeChannelMessages(stack.db, channels.twilio!, [
      { externalId: sid, kind: 'sms', sender: from, senderName: null, threadKey: from, body: 'Retried SMS', payload: {} },
    ]);
    const sms = () =>
      fetch(`${stack.api.url}/api/webhooks/sms`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${stack.config.publicUrl}/api/webhooks/sms`, params),
        },
        body: new URLSearchParams(params).toString(),
      });
    expect((await sms()).status).toBe(200);
    await eventually(async () => ((await ticketsWithThreadKey(from)).length > 0 ? true : undefined), 'the retried SMS threaded');
    expect((await sms()).status).toBe(200);
    const [ticket] = await ticketsWithThreadKey(from);
    expect(await stack.db.selectFrom('conversation_messages').select('id').where('ticket_id', '=', ticket!.id).execute()).toHaveLength(1);
    expect(await stack.db.selectFrom('channel_messages').select('id').where('external_id', '=', sid).execute()).toHaveLength(1);
  });

  it('Dialpad: a repeated call event reaches the call workflow, which takes each state once; a repeat after the call ended starts nothing', async () => {
    const callId = `call-${randomBytes(4).toString('hex')}`;
    const caller = phone();
    const dialpad = async (state: string) => {
      const body = JSON.stringify({ call_id: callId, state, target: { phone_number: DIALPAD_NUMBER }, contact: { phone_number: caller, name: 'Caller' } });
      const response = await call(stack.api.url, '/api/webhooks/dialpad', {
        rawBody: body,
        headers: { 'content-type': 'application/json', 'x-dialpad-signature': createHmac('sha256', DIALPAD_SECRET).update(body).digest('hex') },
      });
      expect(response.status).toBe(200);
    };
    // 'ringing' was stored and its signal failed: only the provider's retry can hand it on.
    await openDialpadCall(stack.db, { orgId: org.orgId, channelId: channels.dialpad!.id, callId });
    await storeChannelMessages(stack.db, channels.dialpad!, [
      dialpadCallEvent({ call_id: callId, state: 'ringing', contact: { phone_number: caller } }, callId).draft,
    ]);
    for (const state of ['ringing', 'connected', 'ringing', 'hangup']) await dialpad(state);
    const finished = await eventually(
      () =>
        stack.db
          .selectFrom('dialpad_calls')
          .select(['states', 'updated_at'])
          .where('call_id', '=', callId)
          .where('finished_at', 'is not', null)
          .executeTakeFirst(),
      'the call finished',
    );
    expect(finished.states).toEqual(['ringing', 'connected', 'hangup']);
    const handle = stack.client.workflow.getHandle(dialpadCallWorkflowId(channels.dialpad!.id, callId));
    // The row says finished a moment before the workflow returns: wait for the workflow itself.
    await handle.result();
    const ended = await handle.describe();
    await dialpad('hangup');
    const after = await handle.describe();
    expect([after.runId, after.status.name]).toEqual([ended.runId, 'COMPLETED']);
  });
});

describe('POST /api/v1/debriefs with an Idempotency-Key', () => {
  it('a retry with the same key and body answers the same deliveries and delivers once; another body under the key is 409', async () => {
    const { userId } = await connectedUser();
    const body = { user_id: userId, actions: [{ action: 'create_note', record_id: 'r-9', content: `Debrief ${randomUUID()}` }] };
    const key = `debrief-${randomUUID()}`;
    const first = await call(stack.api.url, '/api/v1/debriefs', { key: org.key, body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(202);
    const retry = await call(stack.api.url, '/api/v1/debriefs', { key: org.key, body, headers: { 'idempotency-key': key } });
    expect([retry.status, retry.body]).toEqual([202, first.body]);
    const [delivery] = first.body.deliveries;
    const received = () => partnerReceiver.received.filter((entry) => entry.request.headers['x-relayit-idempotency-key'] === delivery.idempotency_key);
    await eventually(async () => (received().length > 0 ? true : undefined), 'the delivery');
    const rows = await stack.db
      .selectFrom('partner_deliveries')
      .select('idempotency_key')
      .where('user_id', '=', userId)
      .where(sql<boolean>`payload->>'content' = ${body.actions[0]!.content}`)
      .execute();
    expect(rows).toHaveLength(1);
    const other = await call(stack.api.url, '/api/v1/debriefs', {
      key: org.key,
      body: { ...body, actions: [{ action: 'create_note', record_id: 'r-9', content: 'something else' }] },
      headers: { 'idempotency-key': key },
    });
    expect([other.status, other.body.error.code]).toEqual([409, 'idempotency_key_conflict']);
    const malformed = await call(stack.api.url, '/api/v1/debriefs', { key: org.key, body, headers: { 'idempotency-key': 'has space' } });
    expect(malformed.status).toBe(400);
    expect(received()).toHaveLength(1);
  });
});

describe('search attributes', () => {
  // After the tests above, which ran every kind of workflow for this organization.
  it('every workflow of the organization is found by RelayOrgId in the Temporal visibility store, whatever its kind', async () => {
    const expected = [
      'email',
      'inbound',
      'ses-event',
      'channel-message',
      'dialpad-call',
      'commerce-event',
      // One workflow per webhook event: its deliveries are activities inside it.
      'webhook-event',
      'partner-delivery',
    ];
    const kinds = await eventually(async () => {
      const found = new Set<string>();
      for await (const workflow of stack.client.workflow.list({ query: `RelayOrgId = '${org.orgId}'` })) {
        found.add(String(workflow.searchAttributes.RelayKind?.[0]));
      }
      return expected.every((kind) => found.has(kind)) ? found : undefined;
    }, 'every kind listed by RelayOrgId');
    expect([...kinds].sort()).toEqual([...expected].sort());
  });
});
