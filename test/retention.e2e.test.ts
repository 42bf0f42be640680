import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { retentionScheduleId } from '../src/temporal/ids.js';
import { PartnerReceiver } from './fakes/partner-receiver.js';
import { WebhookReceiver } from './fakes/webhook-receiver.js';
import { call, eventually } from './support/http.js';
import { runCli } from './support/cli.js';
import { makeSigningCertificate, sesEvents, sesNotification, TOPIC_ARN } from './support/sns.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { trpc } from './support/trpc.js';

const ADMIN = 'retention-admin-key';
const POSTMARK_TOKEN = 'retention-postmark-token';
const TWILIO_TOKEN = 'retention-twilio-token';
const { key: snsSigningKey, certificate } = makeSigningCertificate();
let stack: Stack;
let webhooks: WebhookReceiver;
let partnerReceiver: PartnerReceiver;

beforeAll(async () => {
  stack = await startStack({
    env: {
      RELAY_ADMIN_KEY: ADMIN,
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
      POSTMARK_INBOUND_TOKEN: POSTMARK_TOKEN,
      SNS_TOPIC_ARNS: TOPIC_ARN,
    },
    fetchSnsCertificate: async () => certificate,
  });
  webhooks = await new WebhookReceiver('retention-secret').start();
  partnerReceiver = await new PartnerReceiver('unused').start();
});
afterAll(async () => {
  await stack?.stop();
  await webhooks?.stop();
  await partnerReceiver?.stop();
});

const daysAgo = (days: number) => sql<Date>`now() - make_interval(days => ${days}::integer)`;
const phone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

const postSns = (message: unknown) =>
  call(stack.api.url, '/api/webhooks/ses', {
    rawBody: JSON.stringify(message),
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
  });

/** An SMS from a customer to the organization's Twilio number, signed as Twilio signs it; answers its provider id. */
async function sms(number: string, body: string): Promise<string> {
  const params = { From: phone(), To: number, Body: body, MessageSid: `SM${randomBytes(16).toString('hex')}`, NumMedia: '0', AccountSid: 'AC1' };
  const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${stack.config.publicUrl}/api/webhooks/sms`, params);
  const response = await fetch(`${stack.api.url}/api/webhooks/sms`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  await response.arrayBuffer();
  expect(response.status).toBe(200);
  return params.MessageSid;
}

/**
 * Everything retention covers, made through the API for one organization: a sent email with
 * an attachment and the SES delivery event SNS posts about it, an inbound email with an
 * attachment that opens a ticket (its raw request, parsed bodies, routing), the
 * ticket.created webhook event and its delivery, an SMS threaded into a ticket, a partner
 * delivery of a debrief, and an applied Shopify order event (stored as the commerce webhook
 * stores it); returns the ids to age and check.
 */
async function seed(org: Awaited<ReturnType<typeof createOrgWithKey>>, partnerId: string) {
  const support = `help-${randomBytes(3).toString('hex')}@${org.domain}`;
  expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } })).status).toBeLessThan(300);
  const twilioNumber = phone();
  expect((await call(stack.api.url, '/api/v1/channels', { key: org.key, body: { type: 'twilio', address: twilioNumber, secret: TWILIO_TOKEN } })).status).toBe(
    201,
  );
  const hook = await trpc(stack.api.url, org.key, 'webhooks.create', { url: `${webhooks.url}/hook`, events: ['ticket.created'], secret: 'retention-secret' });
  expect(hook.status).toBe(200);

  const sent = await call(stack.api.url, '/api/v1/emails', {
    key: org.key,
    body: {
      from: org.sender(),
      to: 'reader@example.org',
      subject: 'Your invoice',
      html: '<p>secret body</p>',
      text: 'secret body',
      attachments: [{ filename: 'invoice.txt', content: Buffer.from('invoice').toString('base64'), content_type: 'text/plain' }],
    },
  });
  expect(sent.status).toBe(202);
  const emailId = sent.body.id as string;
  const sesMessageId = await eventually(async () => {
    const email = (await call(stack.api.url, `/api/v1/emails/${emailId}`, { key: org.key })).body;
    return email.status === 'sent' ? (email.ses_message_id as string) : undefined;
  }, 'sent');
  const snsMessage = sesNotification(snsSigningKey, sesEvents.delivery(sesEvents.mail(sesMessageId, ['reader@example.org']), ['reader@example.org']));
  expect((await postSns(snsMessage)).status).toBe(200);
  await eventually(
    () =>
      stack.db
        .selectFrom('sns_messages')
        .select('email_id')
        .where('sns_message_id', '=', snsMessage.MessageId)
        .where('email_id', '=', emailId)
        .executeTakeFirst(),
    'the SES event applied',
  );

  const messageId = randomUUID();
  const inbound = await call(stack.api.url, '/api/webhooks/inbound-email', {
    rawBody: JSON.stringify({
      From: 'client@client.example',
      To: support,
      Subject: 'Need help',
      TextBody: 'private text',
      HtmlBody: '<p>private text</p>',
      MessageID: messageId,
      Attachments: [{ Name: 'photo.txt', Content: Buffer.from('photo').toString('base64'), ContentType: 'text/plain', ContentLength: 5 }],
    }),
    headers: { 'content-type': 'application/json', 'x-postmark-token': POSTMARK_TOKEN },
  });
  expect(inbound.status).toBe(200);
  const inboundRow = await eventually(
    () =>
      stack.db
        .selectFrom('inbound_messages')
        .select(['id', 'status'])
        .where('provider_message_id', '=', messageId)
        .where('status', '<>', 'received')
        .executeTakeFirst(),
    'the inbound message handled',
  );
  const delivery = await eventually(
    () =>
      stack.db
        .selectFrom('webhook_deliveries')
        .select(['id', 'event_id'])
        .where('webhook_id', '=', hook.data.id)
        .where('status', '=', 'succeeded')
        .executeTakeFirst(),
    'the webhook delivered',
  );

  const smsSid = await sms(twilioNumber, 'private sms');
  const channelMessage = await eventually(
    () =>
      stack.db
        .selectFrom('channel_messages')
        .select(['id', 'ticket_id'])
        .where('external_id', '=', smsSid)
        .where('ticket_id', 'is not', null)
        .executeTakeFirst(),
    'the SMS threaded',
  );

  const commerceEventId = randomUUID();
  await stack.db
    .insertInto('commerce_events')
    .values({
      id: commerceEventId,
      org_id: org.orgId,
      provider: 'shopify',
      event_id: randomUUID(),
      topic: 'orders/create',
      account: 'retention.myshopify.com',
      payload: JSON.stringify({ id: 1, email: 'buyer@example.org', shipping_address: { address1: '1 Private Road' } }),
      processed_at: new Date(),
    })
    .execute();

  // A RelayIt partner connection for a user of the organization, and one debrief action.
  const userId = randomUUID();
  const tokenId = randomUUID();
  await stack.db
    .insertInto('users')
    .values({ id: userId, org_id: org.orgId, hub_user_id: `retention-${userId}`, email: null, name: null })
    .execute();
  await stack.db
    .insertInto('partner_tokens')
    .values({ id: tokenId, token_hash: randomBytes(32), partner_id: partnerId, user_id: userId, scope: 'default', revoked_at: null })
    .execute();
  await stack.db.insertInto('crm_connections').values({ id: randomUUID(), partner_id: partnerId, user_id: userId, token_id: tokenId }).execute();
  const debrief = await call(stack.api.url, '/api/v1/debriefs', {
    key: org.key,
    body: { user_id: userId, actions: [{ action: 'create_note', record_id: 'r1', content: 'private note' }] },
  });
  expect(debrief.status).toBe(202);
  const partnerKey = debrief.body.deliveries[0].idempotency_key as string;
  await eventually(
    () => stack.db.selectFrom('partner_delivery_attempts').select('id').where('idempotency_key', '=', partnerKey).executeTakeFirst(),
    'the partner delivery attempted',
  );
  return {
    emailId,
    snsMessage,
    inboundId: inboundRow.id,
    deliveryId: delivery.id,
    webhookEventId: delivery.event_id,
    channelMessageId: channelMessage.id,
    commerceEventId,
    partnerKey,
  };
}

type Seeded = Awaited<ReturnType<typeof seed>>;

/** Moves everything of `seeded` `days` into the past. */
async function age(seeded: Seeded, days: number) {
  await stack.db
    .updateTable('emails')
    .set({ created_at: daysAgo(days) })
    .where('id', '=', seeded.emailId)
    .execute();
  await stack.db
    .updateTable('inbound_messages')
    .set({ received_at: daysAgo(days) })
    .where('id', '=', seeded.inboundId)
    .execute();
  await stack.db
    .updateTable('inbound_routing_attempts')
    .set({ attempted_at: daysAgo(days) })
    .where('inbound_id', '=', seeded.inboundId)
    .execute();
  await stack.db
    .updateTable('webhook_delivery_attempts')
    .set({ attempted_at: daysAgo(days) })
    .where('delivery_id', '=', seeded.deliveryId)
    .execute();
  await stack.db
    .updateTable('partner_delivery_attempts')
    .set({ at: daysAgo(days) })
    .where('idempotency_key', '=', seeded.partnerKey)
    .execute();
  await stack.db
    .updateTable('sns_messages')
    .set({ received_at: daysAgo(days) })
    .where('sns_message_id', '=', seeded.snsMessage.MessageId)
    .execute();
  await stack.db
    .updateTable('webhook_events')
    .set({ created_at: daysAgo(days) })
    .where('id', '=', seeded.webhookEventId)
    .execute();
  await stack.db
    .updateTable('channel_messages')
    .set({ received_at: daysAgo(days) })
    .where('id', '=', seeded.channelMessageId)
    .execute();
  await stack.db
    .updateTable('commerce_events')
    .set({ received_at: daysAgo(days) })
    .where('id', '=', seeded.commerceEventId)
    .execute();
}

/** What is left of `seeded`: the content retention removes, and the metadata it keeps. */
async function leftOf(seeded: Seeded) {
  const email = await stack.db.selectFrom('emails').selectAll().where('id', '=', seeded.emailId).executeTakeFirstOrThrow();
  const inbound = await stack.db.selectFrom('inbound_messages').selectAll().where('id', '=', seeded.inboundId).executeTakeFirstOrThrow();
  const count = async (query: { execute(): Promise<unknown[]> }) => (await query.execute()).length;
  const sns = await stack.db.selectFrom('sns_messages').selectAll().where('sns_message_id', '=', seeded.snsMessage.MessageId).executeTakeFirstOrThrow();
  const webhookEvent = await stack.db.selectFrom('webhook_events').selectAll().where('id', '=', seeded.webhookEventId).executeTakeFirstOrThrow();
  const channelMessage = await stack.db.selectFrom('channel_messages').selectAll().where('id', '=', seeded.channelMessageId).executeTakeFirstOrThrow();
  const commerceEvent = await stack.db.selectFrom('commerce_events').selectAll().where('id', '=', seeded.commerceEventId).executeTakeFirstOrThrow();
  return {
    email: {
      html: email.content.html,
      text: email.content.text,
      attachments: email.content.attachments.length,
      subject: email.subject,
      recipients: email.recipients,
      status: email.status,
      sesMessageId: email.ses_message_id !== null,
      purged: email.content_purged_at !== null,
      events: await count(stack.db.selectFrom('email_events').select('id').where('email_id', '=', seeded.emailId)),
    },
    inbound: {
      rawBytes: inbound.raw.length,
      text: inbound.parsed?.text ?? null,
      html: inbound.parsed?.html ?? null,
      subject: inbound.parsed?.subject,
      from: inbound.parsed?.from.address,
      status: inbound.status,
      purged: inbound.content_purged_at !== null,
      attachments: await count(stack.db.selectFrom('inbound_attachments').select('id').where('inbound_id', '=', seeded.inboundId)),
    },
    snsMessage: {
      message: (sns.payload as { Message?: string }).Message ?? null,
      eventType: sns.event_type,
      sesMessageId: sns.ses_message_id !== null,
      emailId: sns.email_id,
      purged: sns.content_purged_at !== null,
    },
    webhookEvent: {
      event: webhookEvent.payload.event,
      timestamp: webhookEvent.payload.timestamp,
      data: webhookEvent.payload.data,
      purged: webhookEvent.content_purged_at !== null,
    },
    channelMessage: {
      payload: channelMessage.payload,
      body: channelMessage.body,
      ticket: channelMessage.ticket_id !== null && (await count(stack.db.selectFrom('tickets').select('id').where('id', '=', channelMessage.ticket_id))) === 1,
      purged: channelMessage.content_purged_at !== null,
    },
    commerceEvent: {
      payload: commerceEvent.payload,
      topic: commerceEvent.topic,
      processed: commerceEvent.processed_at !== null,
      purged: commerceEvent.content_purged_at !== null,
    },
    webhookAttempts: await count(stack.db.selectFrom('webhook_delivery_attempts').select('id').where('delivery_id', '=', seeded.deliveryId)),
    webhookDelivery: (await stack.db.selectFrom('webhook_deliveries').select('status').where('id', '=', seeded.deliveryId).executeTakeFirst())?.status,
    partnerAttempts: await count(stack.db.selectFrom('partner_delivery_attempts').select('id').where('idempotency_key', '=', seeded.partnerKey)),
    partnerDelivery: (await stack.db.selectFrom('partner_deliveries').select('status').where('idempotency_key', '=', seeded.partnerKey).executeTakeFirst())
      ?.status,
  };
}

describe('retention', () => {
  it('defaults to 30 days in production, and the worker keeps an hourly schedule that runs it', async () => {
    expect(loadConfig({}).orgLimits.retentionDays).toBe(30);
    const schedule = await stack.client.schedule.getHandle(retentionScheduleId(stack.config.temporal.taskQueue)).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'purgeExpiredContentWorkflow' });
    expect(schedule.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
  });

  it("purges bodies, attachments, raw requests and delivery logs past each organization's period, keeps newer ones and the metadata", async () => {
    const partner = await call(stack.api.url, '/api/admin/partners', {
      key: ADMIN,
      body: { name: 'Retention CRM', redirect_uris: ['https://crm.example/cb'], webhook_url: `${partnerReceiver.url}/relayit` },
    });
    expect(partner.status).toBe(201);
    partnerReceiver.secret = partner.body.webhook_signing_secret;

    // Organization A keeps the default 30 days; B is set to 7 through the admin API.
    const a = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks', 'debriefs', 'admin', 'helpdesk']);
    const b = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks', 'debriefs', 'admin', 'helpdesk']);
    const setB = await call(stack.api.url, `/api/admin/organizations/${b.orgId}/limits`, { key: ADMIN, method: 'PATCH', body: { retention_days: 7 } });
    expect(setB.body).toMatchObject({ retention_days: 7, effective: { retention_days: 7 } });
    expect((await call(stack.api.url, `/api/admin/organizations/${a.orgId}/limits`, { key: ADMIN })).body.effective.retention_days).toBe(30);

    const aOld = await seed(a, partner.body.id);
    const aRecent = await seed(a, partner.body.id);
    const bOld = await seed(b, partner.body.id);
    await age(aOld, 31);
    await age(aRecent, 20);
    await age(bOld, 8);
    const before = await leftOf(aRecent);

    const purge = () =>
      stack.client.workflow.execute('purgeExpiredContentWorkflow', {
        taskQueue: stack.config.temporal.taskQueue,
        workflowId: `retention-test-${randomUUID()}`,
      });
    expect(await purge()).toMatchObject({
      emails: 2,
      inboundMessages: 2,
      webhookAttempts: 2,
      partnerAttempts: 2,
      snsMessages: 2,
      webhookEvents: 2,
      channelMessages: 2,
      commerceEvents: 2,
    });

    for (const old of [aOld, bOld]) {
      const left = await leftOf(old);
      expect(left.email).toEqual({
        html: null,
        text: null,
        attachments: 0,
        subject: 'Your invoice',
        recipients: ['reader@example.org'],
        status: 'delivered',
        sesMessageId: true,
        purged: true,
        events: before.email.events,
      });
      expect(left.inbound).toMatchObject({
        rawBytes: 0,
        text: null,
        html: null,
        subject: 'Need help',
        from: 'client@client.example',
        purged: true,
        attachments: 0,
      });
      expect(left.inbound.status).toBe(before.inbound.status);
      expect(left).toMatchObject({ webhookAttempts: 0, webhookDelivery: 'succeeded', partnerAttempts: 0, partnerDelivery: 'succeeded' });
      expect(left.snsMessage).toEqual({ message: null, eventType: 'Delivery', sesMessageId: true, emailId: old.emailId, purged: true });
      expect(left.webhookEvent).toMatchObject({ event: 'ticket.created', data: {}, purged: true });
      expect(left.webhookEvent.timestamp).toEqual(expect.any(String));
      expect(left.channelMessage).toEqual({ payload: {}, body: 'private sms', ticket: true, purged: true });
      expect(left.commerceEvent).toEqual({ payload: {}, topic: 'orders/create', processed: true, purged: true });
    }
    // Twenty days old is inside A's 30: untouched.
    expect(await leftOf(aRecent)).toEqual(before);
    expect(before).toMatchObject({
      email: { html: '<p>secret body</p>', text: 'secret body', attachments: 1, purged: false },
      inbound: { text: 'private text', purged: false, attachments: 1 },
      webhookAttempts: 1,
      partnerAttempts: 1,
      snsMessage: { eventType: 'Delivery', purged: false },
      webhookEvent: { event: 'ticket.created', purged: false },
      channelMessage: { body: 'private sms', ticket: true, purged: false },
      commerceEvent: { payload: { shipping_address: { address1: '1 Private Road' } }, purged: false },
    });
    expect(before.inbound.rawBytes).toBeGreaterThan(0);
    expect(before.snsMessage.message).toContain('"eventType":"Delivery"');
    expect(Object.keys(before.webhookEvent.data)).not.toHaveLength(0);
    expect(Object.keys(before.channelMessage.payload)).not.toHaveLength(0);

    // A second pass finds nothing left to purge.
    expect(Object.values(await purge()).every((count) => count === 0)).toBe(true);

    // SNS redelivers the purged notification: acknowledged, and the event is not applied again
    // (the row's SNS message id still dedupes, and the match it recorded stays).
    const eventsBefore = (await leftOf(aOld)).email.events;
    expect((await postSns(aOld.snsMessage)).status).toBe(200);
    const again = await stack.client.workflow.execute('processSesEventWorkflow', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: `retention-redelivery-${randomUUID()}`,
      args: [{ snsMessageId: aOld.snsMessage.MessageId }],
    });
    expect(again).toEqual({ eventType: 'Delivery', matched: true });
    const afterRedelivery = await leftOf(aOld);
    expect(afterRedelivery.snsMessage).toMatchObject({ emailId: aOld.emailId, purged: true });
    expect(afterRedelivery.email.events).toBe(eventsBefore);

    // A delivery of a purged event cannot be replayed: its body is gone. One of a kept event can.
    for (const seeded of [aOld, aRecent]) {
      await stack.db.updateTable('webhook_deliveries').set({ status: 'failed', reason: 'receiver down' }).where('id', '=', seeded.deliveryId).execute();
    }
    const refused = await trpc(stack.api.url, a.key, 'webhooks.replay', { deliveryId: aOld.deliveryId });
    expect(refused.status).toBe(409);
    expect(refused.error?.message).toBe(`event ${aOld.webhookEventId} is past its retention period: its content was purged`);
    const oldHook = await stack.db.selectFrom('webhook_deliveries').select('webhook_id').where('id', '=', aOld.deliveryId).executeTakeFirstOrThrow();
    const range = await trpc(stack.api.url, a.key, 'webhooks.replay', { id: oldHook.webhook_id, since: new Date(Date.now() - 90 * 86_400_000).toISOString() });
    expect(range.data).toMatchObject({ deliveries: 0, replayId: null });
    expect((await leftOf(aOld)).webhookDelivery).toBe('failed');
    expect((await trpc(stack.api.url, a.key, 'webhooks.replay', { deliveryId: aRecent.deliveryId })).data).toMatchObject({ status: 'pending' });
  });

  it('leaves whole, past the period, what is still to be sent or read: a pending webhook delivery, an unfinished call, a Stripe subscription', async () => {
    const org = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks', 'admin']);
    const hook = await trpc(stack.api.url, org.key, 'webhooks.create', {
      url: `${webhooks.url}/pending`,
      events: ['ticket.created'],
      secret: 'retention-secret',
    });
    const eventId = randomUUID();
    const payload = { event: 'ticket.created', timestamp: new Date().toISOString(), data: { subject: 'still to send' } };
    await stack.db
      .insertInto('webhook_events')
      .values({
        id: eventId,
        org_id: org.orgId,
        type: 'ticket.created',
        payload: JSON.stringify(payload),
        source_id: null,
        fanned_out_at: daysAgo(40),
        created_at: daysAgo(40),
      })
      .execute();
    await stack.db.insertInto('webhook_deliveries').values({ id: randomUUID(), org_id: org.orgId, webhook_id: hook.data.id, event_id: eventId }).execute();

    // A Dialpad call whose workflow has not finished it: its stored events are what it is signalled with again.
    const dialpad = await call(stack.api.url, '/api/v1/channels', { key: org.key, body: { type: 'dialpad', address: phone(), secret: 'dialpad-secret' } });
    expect(dialpad.status).toBe(201);
    const callId = randomUUID();
    await stack.db
      .insertInto('dialpad_calls')
      .values({
        channel_id: dialpad.body.id,
        call_id: callId,
        org_id: org.orgId,
        states: [],
        caller: null,
        voicemail_url: null,
        transcription: null,
        ticket_id: null,
      })
      .execute();
    const callEventId = randomUUID();
    await stack.db
      .insertInto('channel_messages')
      .values({
        id: callEventId,
        org_id: org.orgId,
        channel_id: dialpad.body.id,
        type: 'dialpad',
        external_id: `call:${callId}:ringing`,
        kind: 'call_event',
        sender: '+15550000000',
        sender_name: null,
        thread_key: `call:${callId}`,
        body: null,
        payload: JSON.stringify({ call_id: callId, state: 'ringing' }),
        ticket_id: null,
        received_at: daysAgo(40),
      })
      .execute();

    // The helpdesk reads a customer's Stripe subscription from the connected account's events.
    const subscriptionEventId = randomUUID();
    await stack.db
      .insertInto('commerce_events')
      .values({
        id: subscriptionEventId,
        org_id: org.orgId,
        provider: 'stripe_connect',
        event_id: `evt_${randomBytes(8).toString('hex')}`,
        topic: 'customer.subscription.updated',
        account: 'acct_retention',
        payload: JSON.stringify({ data: { object: { id: 'sub_1', customer: 'cus_1', status: 'active' } } }),
        received_at: daysAgo(40),
        processed_at: daysAgo(40),
      })
      .execute();

    expect(
      await stack.client.workflow.execute('purgeExpiredContentWorkflow', {
        taskQueue: stack.config.temporal.taskQueue,
        workflowId: `retention-test-${randomUUID()}`,
      }),
    ).toMatchObject({ webhookEvents: 0, channelMessages: 0, commerceEvents: 0 });
    const event = await stack.db.selectFrom('webhook_events').select(['payload', 'content_purged_at']).where('id', '=', eventId).executeTakeFirstOrThrow();
    expect(event).toEqual({ payload, content_purged_at: null });
    const callEvent = await stack.db
      .selectFrom('channel_messages')
      .select(['payload', 'content_purged_at'])
      .where('id', '=', callEventId)
      .executeTakeFirstOrThrow();
    expect(callEvent).toEqual({ payload: { call_id: callId, state: 'ringing' }, content_purged_at: null });
    const subscription = await stack.db
      .selectFrom('commerce_events')
      .select(['payload', 'content_purged_at'])
      .where('id', '=', subscriptionEventId)
      .executeTakeFirstOrThrow();
    expect(subscription.content_purged_at).toBeNull();
    expect(subscription.payload).toMatchObject({ data: { object: { id: 'sub_1' } } });
  });

  it('sets an organization\'s period with the CLI, back to the default with "default"', async () => {
    const org = await createOrgWithKey(stack.db);
    const set = await runCli(['orgs', 'limits', '--org', org.orgId, '--retention-days', '90', '--json'], stack.cliEnv);
    expect(JSON.parse(set.stdout)).toMatchObject({ retention_days: 90, effective: { retention_days: 90 } });
    const reset = await runCli(['orgs', 'limits', '--org', org.orgId, '--retention-days', 'default', '--json'], stack.cliEnv);
    expect(reset.stderr).toBe('');
    expect(JSON.parse(reset.stdout)).toMatchObject({ retention_days: null, effective: { retention_days: 30 } });
    const refused = await call(stack.api.url, `/api/admin/organizations/${org.orgId}/limits`, { key: ADMIN, method: 'PATCH', body: { retention_days: 0 } });
    expect(refused.status).toBe(400);
  });
});
