import { randomBytes, randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertHubUser } from '../src/auth/repository.js';
import { loadConfig } from '../src/config.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { createTicket } from '../src/helpdesk/repository.js';
import { inboundWorkflowId } from '../src/temporal/ids.js';
import { WEBHOOK_EVENT_TYPES } from '../src/db/tables/webhooks.js';
import { WEBHOOK_EVENT_CATALOGUE } from '../src/webhooks/event-types.js';
import { WEBHOOK_FAN_OUT_CAP, WEBHOOK_FIRST_ATTEMPT_BATCH } from '../src/webhooks/workflows.js';
import { relaySignatureValid, standardSecretOf, standardSignatureValid, WebhookReceiver } from './fakes/webhook-receiver.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { trpc } from './support/trpc.js';

const SECRET = 'your-signing-secret';
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;
let support: string;

beforeAll(async () => {
  stack = await startStack({
    env: {
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
      // The seed's 1m/5m/30m/2h/24h, shrunk (3 s first, so Retry-After has room to be measured);
      // its production values are asserted below.
      WEBHOOK_RETRY_SCHEDULE_SECONDS: '3,3,0.3,0.3,0.3',
      POSTMARK_INBOUND_TOKEN: 'pm-token',
      // 24 h in production (asserted below); 3 s here.
      WEBHOOK_SECRET_ROTATION_OVERLAP_SECONDS: '3',
    },
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks', 'admin', 'helpdesk']);
  support = `help-${randomBytes(3).toString('hex')}@${org.domain}`;
  await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } });
});
afterAll(() => stack?.stop());

const eventCount = async () =>
  Number(
    (
      await stack.db
        .selectFrom('webhook_events')
        .select(({ fn }) => fn.countAll<string>().as('n'))
        .where('org_id', '=', org.orgId)
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Waits for the workflow of the org's newest event of `type`; returns its deliveries (webhook, status, reason). */
async function deliveriesOfNewest(type: string) {
  const event = await stack.db
    .selectFrom('webhook_events')
    .select('id')
    .where('org_id', '=', org.orgId)
    .where('type', '=', type)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  await eventually(() => stack.client.workflow.getHandle(`webhook-event-${event.id}`).result(), 'the event workflow');
  return stack.db.selectFrom('webhook_deliveries').select(['webhook_id', 'status', 'reason']).where('event_id', '=', event.id).execute();
}

/** Removes a test's webhook so later tests' events do not go to its stopped receiver. */
async function finished(receiver: WebhookReceiver, webhookId: string) {
  await trpc(stack.api.url, org.key, 'webhooks.delete', { id: webhookId });
  await receiver.stop();
}

async function receiverFor(events: string[], secret: string | undefined = SECRET, key = org.key) {
  const receiver = await new WebhookReceiver(secret).start();
  const created = await trpc(stack.api.url, key, 'webhooks.create', { url: `${receiver.url}/webhook`, events, ...(secret ? { secret } : {}) });
  expect(created.status).toBe(200);
  return { receiver, webhookId: created.data.id as string };
}

async function newTicketByEmail(from = `c-${randomBytes(3).toString('hex')}@client.example`) {
  const response = await call(stack.api.url, '/api/webhooks/inbound-email', {
    rawBody: JSON.stringify({ From: from, To: support, Subject: 'Need help with the VPN', TextBody: 'It is down', MessageID: randomUUID() }),
    headers: { 'content-type': 'application/json', 'x-postmark-token': 'pm-token' },
  });
  await eventually(() => stack.client.workflow.getHandle(inboundWorkflowId(response.body.id)).result(), 'the inbound message');
  const row = await stack.db
    .selectFrom('conversation_messages')
    .innerJoin('tickets', 'tickets.id', 'conversation_messages.ticket_id')
    .select(['tickets.id as ticketId', 'tickets.number', 'tickets.customer_id'])
    .where('conversation_messages.inbound_id', '=', response.body.id)
    .executeTakeFirstOrThrow();
  return { ...row, from };
}

describe('management over the tRPC wire of the seed', () => {
  it('create, list, update, test and delete exactly as the curl calls do', async () => {
    const receiver = await new WebhookReceiver(SECRET).start();
    const created = await trpc(stack.api.url, org.key, 'webhooks.create', {
      url: `${receiver.url}/webhook`,
      events: ['ticket.created', 'ticket.status_changed'],
      secret: SECRET,
    });
    expect(created.data).toMatchObject({
      id: expect.any(String),
      events: ['ticket.created', 'ticket.status_changed'],
      enabled: true,
      status: 'active',
      hasSecret: true,
    });
    expect(JSON.stringify(created.data)).not.toContain(SECRET);

    const listed = await trpc(stack.api.url, org.key, 'webhooks.list');
    expect(listed.data.map((webhook: { id: string }) => webhook.id)).toContain(created.data.id);

    const updated = await trpc(stack.api.url, org.key, 'webhooks.update', {
      id: created.data.id,
      events: ['ticket.created', 'conversation.created'],
      enabled: true,
    });
    expect(updated.data.events).toEqual(['ticket.created', 'conversation.created']);

    const tested = await trpc(stack.api.url, org.key, 'webhooks.test', { id: created.data.id });
    expect(tested.data).toMatchObject({ success: true, status: 200, error: null });
    const [delivery] = receiver.received;
    expect(delivery?.signatureValid).toBe(true);
    expect(JSON.parse(delivery!.request.body)).toMatchObject({ event: 'webhook.test', timestamp: expect.any(String), data: { webhookId: created.data.id } });
    expect(delivery?.request.headers['x-relay-event-id']).toBe(tested.data.eventId);
    expect(delivery?.request.headers['x-relay-timestamp']).toMatch(/^\d{10}$/);

    const deleted = await trpc(stack.api.url, org.key, 'webhooks.delete', { id: created.data.id });
    expect(deleted.data).toEqual({ id: created.data.id, deleted: true });
    expect((await trpc(stack.api.url, org.key, 'webhooks.list')).data.map((webhook: { id: string }) => webhook.id)).not.toContain(created.data.id);
    await receiver.stop();
  });

  it('refuses bad input with tRPC BAD_REQUEST (HTTP 400) and changes nothing', async () => {
    const before = (await trpc(stack.api.url, org.key, 'webhooks.list')).data.length;
    for (const input of [
      { url: 'not a url', events: ['ticket.created'] },
      { url: 'ftp://example.com/hook', events: ['ticket.created'] },
      { url: 'https://example.com/hook', events: ['ticket.exploded'] },
      { url: 'https://example.com/hook', events: [] },
      { url: 'https://example.com/hook', events: ['ticket.created'], secret: 'short' },
      { url: 'https://example.com/hook', events: ['ticket.created'], secret: 'whsec_not-base64-at-all!' },
      { url: 'https://example.com/hook', events: ['ticket.created'], secret: `whsec_${randomBytes(8).toString('base64')}` },
      { url: 'https://example.com/hook', events: ['ticket.created'], colour: 'red' },
    ]) {
      const response = await trpc(stack.api.url, org.key, 'webhooks.create', input);
      expect(response.status).toBe(400);
      expect(response.error?.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    }
    expect((await trpc(stack.api.url, org.key, 'webhooks.update', { id: 'not-a-uuid' })).status).toBe(400);
    expect((await trpc(stack.api.url, org.key, 'webhooks.list')).data.length).toBe(before);
  });

  it("needs the webhooks scope, and never lets one organization touch another's webhooks", async () => {
    expect((await trpc(stack.api.url, undefined, 'webhooks.list')).error?.data.code).toBe('UNAUTHORIZED');
    const sendOnly = await createOrgWithKey(stack.db, ['send']);
    expect((await trpc(stack.api.url, sendOnly.key, 'webhooks.list')).error?.data).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403 });

    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    const other = await createOrgWithKey(stack.db, ['webhooks']);
    expect((await trpc(stack.api.url, other.key, 'webhooks.list')).data).toEqual([]);
    for (const [procedure, input] of [
      ['webhooks.update', { id: webhookId, enabled: false }],
      ['webhooks.delete', { id: webhookId }],
      ['webhooks.test', { id: webhookId }],
      ['webhooks.deliveries', { id: webhookId }],
    ] as const) {
      const response = await trpc(stack.api.url, other.key, procedure, input);
      expect(response.error?.data).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
    }
    expect(receiver.received).toEqual([]);
    expect((await trpc(stack.api.url, org.key, 'webhooks.list')).data.find((webhook: { id: string }) => webhook.id === webhookId).enabled).toBe(true);
    await finished(receiver, webhookId);
  });
});

describe('events and their delivery', () => {
  it('delivers each of the eight events once, signed, with {event, timestamp, data}', async () => {
    const { receiver, webhookId } = await receiverFor([
      'ticket.created',
      'ticket.updated',
      'ticket.status_changed',
      'ticket.assigned',
      'ticket.priority_changed',
      'conversation.created',
      'customer.created',
      'customer.updated',
    ]);
    const { ticketId, number, customer_id: customerId, from } = await newTicketByEmail();
    // Tickets are assigned to the organization's people (who signed in through Hub), by id or email.
    const tech = await upsertHubUser(stack.db, { orgId: org.orgId, hubUserId: `hub-${randomUUID()}`, email: 'tech@acme.example', name: 'Tech' });
    const patched = await call(stack.api.url, `/api/v1/tickets/${ticketId}`, {
      key: org.key,
      method: 'PATCH',
      body: { status: 'pending', priority: 'high', assignee: 'tech@acme.example' },
    });
    expect(patched.status).toBe(200);
    const customer = await call(stack.api.url, `/api/v1/customers/${customerId}`, { key: org.key, method: 'PATCH', body: { name: 'Jane Client' } });
    expect(customer.status).toBe(200);

    const events = await eventually(async () => (receiver.accepted().length >= 8 ? receiver.accepted() : undefined), 'eight deliveries');
    expect(events).toHaveLength(8);
    // The receiver answers before Relay records the attempt: wait for the log, then count.
    const deliveries = await eventually(async () => {
      const rows = await stack.db.selectFrom('webhook_deliveries').select('status').where('webhook_id', '=', webhookId).execute();
      return rows.every((row) => row.status === 'succeeded') ? rows : undefined;
    }, 'every delivery recorded');
    expect(deliveries).toHaveLength(8);
    expect(events.map((entry) => entry.body.event).sort()).toEqual([
      'conversation.created',
      'customer.created',
      'customer.updated',
      'ticket.assigned',
      'ticket.created',
      'ticket.priority_changed',
      'ticket.status_changed',
      'ticket.updated',
    ]);
    // Each verifies both ways: the seed's HMAC of the body and the standardwebhooks package.
    expect(receiver.received.every((entry) => entry.signatureValid && entry.standardValid)).toBe(true);
    // Each payload is exactly what the event catalogue describes (a field it lacks would be dropped by parse).
    for (const { body } of events) expect(WEBHOOK_EVENT_CATALOGUE.find((entry) => entry.type === body.event)!.payload.parse(body)).toEqual(body);
    const byType = Object.fromEntries(events.map((entry) => [entry.body.event, entry.body]));
    for (const body of Object.values(byType)) expect(Object.keys(body as object).sort()).toEqual(['data', 'event', 'timestamp']);
    expect(byType['ticket.created'].data).toEqual({
      ticketId,
      ticketNumber: number,
      subject: 'Need help with the VPN',
      status: 'open',
      priority: 'normal',
      assignee: null,
      customerId,
      customerEmail: from,
    });
    expect(byType['ticket.status_changed'].data).toMatchObject({ ticketId, status: 'pending', previousStatus: 'open' });
    expect(byType['ticket.priority_changed'].data).toMatchObject({ priority: 'high', previousPriority: 'normal' });
    expect(byType['ticket.assigned'].data).toMatchObject({ assignee: tech.id, previousAssignee: null });
    expect(byType['ticket.updated'].data.changes).toEqual({
      status: { from: 'open', to: 'pending' },
      priority: { from: 'normal', to: 'high' },
      assignee: { from: null, to: tech.id },
    });
    expect(byType['conversation.created'].data).toMatchObject({ ticketId, direction: 'inbound', channel: 'email', from, text: 'It is down' });
    expect(byType['customer.updated'].data).toMatchObject({ customerId, name: 'Jane Client', changes: { name: { from: null, to: 'Jane Client' } } });

    // Setting the same values again changes nothing and emits nothing.
    const before = await eventCount();
    expect((await call(stack.api.url, `/api/v1/tickets/${ticketId}`, { key: org.key, method: 'PATCH', body: { status: 'pending' } })).status).toBe(200);
    expect(await eventCount()).toBe(before);
    await finished(receiver, webhookId);
  });

  it('a receiver failing twice gets the event on the third attempt, logged per attempt', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    receiver.failNext = 2;
    await newTicketByEmail();
    await eventually(async () => (receiver.accepted().length === 1 ? true : undefined), 'the third attempt');
    const log = await eventually(async () => {
      const answer = await trpc(stack.api.url, org.key, 'webhooks.deliveries', { id: webhookId });
      return answer.data[0]?.status === 'succeeded' ? answer : undefined;
    }, 'the third attempt recorded');
    expect(log.data).toHaveLength(1);
    expect(log.data[0]).toMatchObject({ event: 'ticket.created', status: 'succeeded' });
    expect(log.data[0].attempts.map((attempt: { status: number }) => attempt.status)).toEqual([500, 500, 200]);
    expect(log.data[0].attempts[0]).toMatchObject({ attempt: 1, error: 'HTTP 500', response: '{"error":"receiver says no"}', durationMs: expect.any(Number) });
    const ids = new Set(receiver.received.map((entry) => entry.request.headers['x-relay-event-id']));
    expect(ids.size).toBe(1);
    // webhook-id is the delivery's id on every retry; each attempt is signed at its own time.
    expect(receiver.received.map((entry) => entry.request.headers['webhook-id'])).toEqual([log.data[0].id, log.data[0].id, log.data[0].id]);
    expect(receiver.received.every((entry) => entry.standardValid && /^\d{10}$/.test(String(entry.request.headers['webhook-timestamp'])))).toBe(true);
    await finished(receiver, webhookId);
  });

  it('after the whole schedule fails the delivery is failed and the webhook disabled; replay and re-enabling bring it back', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    receiver.failAlways = true;
    await newTicketByEmail();
    const failed = await eventually(async () => {
      const [webhook] = (await trpc(stack.api.url, org.key, 'webhooks.list')).data.filter((entry: { id: string }) => entry.id === webhookId);
      return webhook.status === 'failed' ? webhook : undefined;
    }, 'the webhook to fail');
    expect(failed).toMatchObject({ enabled: false, status: 'failed', failedAt: expect.any(String) });
    // One attempt, then one after each of the five waits: six in all.
    expect(receiver.received).toHaveLength(6);
    const [delivery] = (await trpc(stack.api.url, org.key, 'webhooks.deliveries', { id: webhookId })).data;
    expect(delivery.status).toBe('failed');

    // A disabled webhook is sent nothing for a later event, which is still on its record, skipped.
    await newTicketByEmail();
    expect((await deliveriesOfNewest('ticket.created')).find((row) => row.webhook_id === webhookId)).toEqual({
      webhook_id: webhookId,
      status: 'skipped',
      reason: 'the webhook is disabled: every attempt of the retry schedule failed',
    });
    expect(receiver.received).toHaveLength(6);

    receiver.failAlways = false;
    const replayed = await trpc(stack.api.url, org.key, 'webhooks.replay', { deliveryId: delivery.id });
    expect(replayed.data).toEqual({ deliveryId: delivery.id, status: 'pending', replayId: expect.any(String) });
    await eventually(async () => (receiver.accepted().length === 1 ? true : undefined), 'the replayed delivery');
    expect(receiver.accepted()[0]?.headers['x-relay-event-id']).toBe(receiver.received[0]?.request.headers['x-relay-event-id']);
    expect((await trpc(stack.api.url, org.key, 'webhooks.replay', { deliveryId: delivery.id })).error?.data.code).toBe('CONFLICT');

    await trpc(stack.api.url, org.key, 'webhooks.update', { id: webhookId, enabled: true });
    await newTicketByEmail();
    await eventually(async () => (receiver.accepted().length === 2 ? true : undefined), 'events flowing again');
    await finished(receiver, webhookId);
  });

  it('treats a redirect as a failed attempt and does not follow it', async () => {
    const elsewhere = await new WebhookReceiver().start();
    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    receiver.redirectTo = `${elsewhere.url}/stolen`;
    const tested = await trpc(stack.api.url, org.key, 'webhooks.test', { id: webhookId });
    expect(tested.data).toMatchObject({ success: false, status: 302, error: 'HTTP 302: redirects are not followed' });
    expect(elsewhere.received).toEqual([]);
    await finished(receiver, webhookId);
    await elsewhere.stop();
  });
});

describe('a slow receiver', () => {
  it('is waited for and sent the event once: the attempt heartbeats while the receiver takes longer than the heartbeat timeout', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    const answer = receiver.respond;
    receiver.respond = (request, res) => void setTimeout(() => answer(request, res), 12_000);
    await newTicketByEmail();
    const log = await eventually(async () => {
      const deliveries = await trpc(stack.api.url, org.key, 'webhooks.deliveries', { id: webhookId });
      return deliveries.data[0]?.status === 'succeeded' ? deliveries : undefined;
    }, 'the slow answer recorded');
    expect(log.data[0].attempts).toHaveLength(1);
    // Counted as they arrive: a second attempt would have come a second after the 10 s timeout, before the first answer.
    expect(receiver.requests).toHaveLength(1);
    await finished(receiver, webhookId);
  });
});

describe('retries that respect the receiver', () => {
  it('Retry-After on 429 and 503 postpones the next attempt, in seconds or as a date, capped at twice the step', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    let dateAsked = 0;
    receiver.answers.push(
      { status: 429, headers: { 'retry-after': '5' } },
      {
        status: 503,
        headers: () => {
          const now = Date.now();
          const date = new Date(now + 5000).toUTCString();
          dateAsked = Date.parse(date) - now;
          return { 'retry-after': date };
        },
      },
      { status: 503, headers: { 'retry-after': '3600' } },
    );
    await newTicketByEmail();
    await eventually(async () => (receiver.accepted().length === 1 ? true : undefined), 'the fourth attempt');
    const at = receiver.received.map((entry) => entry.request.receivedAt);
    expect(receiver.received.map((entry) => entry.status)).toEqual([429, 503, 503, 200]);
    // The gaps the receiver saw: at least what it asked for (the schedule's steps here are 3 s, 3 s, 0.3 s),
    // at most 5 % more plus a loaded machine's scheduling latency, and well short of the 6-s cap.
    const honoured = (gap: number, asked: number) => {
      expect(gap).toBeGreaterThanOrEqual(asked - 50);
      expect(gap).toBeLessThan(asked * 1.05 + 700);
    };
    honoured(at[1]! - at[0]!, 5000);
    honoured(at[2]! - at[1]!, dateAsked);
    // An hour asked for at a 0.3-s step: twice the step (0.6 s), not an hour.
    expect(at[3]! - at[2]!).toBeGreaterThanOrEqual(540);
    expect(at[3]! - at[2]!).toBeLessThan(1500);

    const [delivery] = (await trpc(stack.api.url, org.key, 'webhooks.deliveries', { id: webhookId })).data;
    const [first] = delivery.attempts;
    expect(first).toMatchObject({ attempt: 1, status: 429, error: 'HTTP 429' });
    // Recorded when the attempt was answered: what the receiver asked for, at most 5 % more.
    const recordedWait = Date.parse(first.nextRetryAt) - Date.parse(first.at);
    expect(recordedWait).toBeGreaterThanOrEqual(5000);
    expect(recordedWait).toBeLessThanOrEqual(5250 + 700);
    expect(delivery.attempts.at(-1)).toMatchObject({ attempt: 4, status: 200, nextRetryAt: null });
    await finished(receiver, webhookId);
  });

  it('410 Gone disables the endpoint at once and says why; a delivery waiting for its retry ends skipped', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    receiver.failNext = 1;
    await newTicketByEmail();
    const waiting = await eventually(async () => {
      const [row] = (await trpc(stack.api.url, org.key, 'webhooks.deliveries', { id: webhookId })).data;
      return row?.attempts.length === 1 ? row : undefined;
    }, 'the first delivery to wait for its retry');
    expect(waiting).toMatchObject({ status: 'pending', attempts: [{ status: 500, nextRetryAt: expect.any(String) }] });

    receiver.answers.push({ status: 410 });
    await newTicketByEmail();
    const webhook = await eventually(async () => {
      const [row] = (await trpc(stack.api.url, org.key, 'webhooks.list')).data.filter((entry: { id: string }) => entry.id === webhookId);
      return row.enabled ? undefined : row;
    }, 'the webhook to be disabled');
    expect(webhook).toMatchObject({ enabled: false, status: 'failed', failedAt: expect.any(String), disabledReason: 'the endpoint answered 410 Gone' });
    const log = (await trpc(stack.api.url, org.key, 'webhooks.deliveries', { id: webhookId })).data;
    expect(log.map((row: { status: string; reason: string }) => [row.status, row.reason])).toEqual([
      ['failed', 'the endpoint answered 410 Gone'],
      ['skipped', 'the webhook was disabled: the endpoint answered 410 Gone'],
    ]);
    // The skipped delivery's timer fires and sends nothing: its event's workflow ends with it skipped.
    const { id: firstEvent } = await stack.db.selectFrom('webhook_deliveries').select('event_id as id').where('id', '=', waiting.id).executeTakeFirstOrThrow();
    // (Other webhooks of the organization that take ticket.created may have succeeded in the same workflow.)
    expect(await stack.client.workflow.getHandle(`webhook-event-${firstEvent}`).result()).toMatchObject({ failed: 0, skipped: 1 });
    expect(receiver.received.map((entry) => entry.status)).toEqual([500, 410]);
    await finished(receiver, webhookId);
  });
});

describe('nothing dropped', () => {
  it('a webhook disabled by its owner leaves nothing pending: the delivery waiting for its retry ends skipped', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    receiver.failNext = 1;
    await newTicketByEmail();
    await eventually(async () => {
      const [row] = (await trpc(stack.api.url, org.key, 'webhooks.deliveries', { id: webhookId })).data;
      return row?.status === 'pending' && row.attempts.length === 1 ? row : undefined;
    }, 'the delivery to wait for its retry');
    await trpc(stack.api.url, org.key, 'webhooks.update', { id: webhookId, enabled: false });
    const [row] = (await trpc(stack.api.url, org.key, 'webhooks.deliveries', { id: webhookId })).data;
    expect(row).toMatchObject({ status: 'skipped', reason: 'the webhook was disabled by its owner' });
    await finished(receiver, webhookId);
  });

  it('events raised while a webhook is disabled are recorded as skipped, and replay sends a range of them, then all since T, in order', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    const since = new Date(Date.now() - 1000).toISOString();
    receiver.answers.push({ status: 410 });
    await newTicketByEmail();
    await eventually(async () => {
      const [row] = (await trpc(stack.api.url, org.key, 'webhooks.list')).data.filter((entry: { id: string }) => entry.id === webhookId);
      return row.enabled ? undefined : row;
    }, 'the webhook to be disabled');
    await newTicketByEmail();
    await newTicketByEmail();
    // Each event's own workflow records its deliveries, after the inbound message's run has ended.
    const recorded = await eventually(async () => {
      const rows = await stack.db
        .selectFrom('webhook_deliveries')
        .innerJoin('webhook_events', 'webhook_events.id', 'webhook_deliveries.event_id')
        .select(['webhook_deliveries.status', 'webhook_deliveries.reason', 'webhook_events.id as eventId', 'webhook_events.created_at as raisedAt'])
        .where('webhook_deliveries.webhook_id', '=', webhookId)
        .orderBy('webhook_events.seq')
        .execute();
      return rows.length === 3 ? rows : undefined;
    }, "the three events' deliveries recorded");
    expect(recorded.map((row) => [row.status, row.reason])).toEqual([
      ['failed', 'the endpoint answered 410 Gone'],
      ['skipped', 'the webhook is disabled: the endpoint answered 410 Gone'],
      ['skipped', 'the webhook is disabled: the endpoint answered 410 Gone'],
    ]);
    expect(receiver.received).toHaveLength(1);
    await trpc(stack.api.url, org.key, 'webhooks.update', { id: webhookId, enabled: true });

    // A time range: only the second event was raised in it.
    const middle = await trpc(stack.api.url, org.key, 'webhooks.replay', {
      id: webhookId,
      since: recorded[1]!.raisedAt.toISOString(),
      until: recorded[2]!.raisedAt.toISOString(),
    });
    expect(middle.data).toEqual({ webhookId, deliveries: 1, status: 'pending', replayId: expect.any(String) });
    await eventually(async () => (receiver.accepted().length === 1 ? true : undefined), 'the replayed range');
    // Then all skipped and failed since T: the other two, in the order they were raised.
    const rest = await trpc(stack.api.url, org.key, 'webhooks.replay', { id: webhookId, since });
    expect(rest.data).toMatchObject({ deliveries: 2 });
    await eventually(async () => (receiver.accepted().length === 3 ? true : undefined), 'everything since T');
    expect(receiver.accepted().map((entry) => entry.headers['x-relay-event-id'])).toEqual([recorded[1]!.eventId, recorded[0]!.eventId, recorded[2]!.eventId]);
    const final = await eventually(async () => {
      const rows = (await trpc(stack.api.url, org.key, 'webhooks.deliveries', { id: webhookId })).data;
      return rows.every((entry: { status: string }) => entry.status === 'succeeded') ? rows : undefined;
    }, 'every replayed delivery recorded');
    expect(final).toHaveLength(3);
    // Nothing left to replay.
    expect((await trpc(stack.api.url, org.key, 'webhooks.replay', { id: webhookId, since })).data).toMatchObject({ deliveries: 0, replayId: null });
    await finished(receiver, webhookId);
  });

  it('refuses a replay range that is not one, and an unknown webhook, changing nothing', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created']);
    const now = new Date().toISOString();
    for (const input of [
      { id: webhookId, since: 'yesterday' },
      { id: webhookId, since: now, until: new Date(Date.now() - 60_000).toISOString() },
      { id: webhookId },
      { id: webhookId, since: now, deliveryId: randomUUID() },
    ]) {
      expect((await trpc(stack.api.url, org.key, 'webhooks.replay', input)).error?.data).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
    }
    expect((await trpc(stack.api.url, org.key, 'webhooks.replay', { id: randomUUID(), since: now })).error?.data.code).toBe('NOT_FOUND');
    await finished(receiver, webhookId);
  });
});

describe('the event catalogue', () => {
  it('GET /api/v1/webhook-event-types lists every event with its JSON Schema and an example that fits it', async () => {
    const response = await call(stack.api.url, '/api/v1/webhook-event-types');
    expect(response.status).toBe(200);
    expect(response.body.data.map((entry: { type: string }) => entry.type)).toEqual([...WEBHOOK_EVENT_TYPES, 'webhook.test']);
    for (const entry of response.body.data) {
      expect(entry).toMatchObject({ description: expect.any(String), schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' } });
      expect(entry.schema.properties.event).toEqual({ type: 'string', const: entry.type });
      expect(entry.schema.required).toEqual(['event', 'timestamp', 'data']);
      const payload = WEBHOOK_EVENT_CATALOGUE.find((known) => known.type === entry.type)!.payload;
      expect(payload.parse(entry.example)).toEqual(entry.example);
      expect(Object.keys(entry.example.data).sort()).toEqual(Object.keys(entry.schema.properties.data.properties).sort());
    }
  });
});

describe('the OpenAPI 3.1 document', () => {
  it('describes each event payload in `webhooks`, the webhooks.* procedures as their JSON wire, and the OAuth endpoints', async () => {
    const { body: document } = await call(stack.api.url, '/api/openapi.json');
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.webhooks)).toEqual([...WEBHOOK_EVENT_TYPES, 'webhook.test']);
    const created = document.webhooks['ticket.created'].post;
    expect(created.requestBody.content['application/json'].schema.properties.event).toEqual({ type: 'string', const: 'ticket.created' });
    expect(created.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(
      expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-relay-signature']),
    );

    for (const procedure of ['create', 'update', 'delete', 'rotateSecret', 'test', 'replay']) {
      const operation = document.paths[`/api/trpc/webhooks.${procedure}`].post;
      expect(operation.requestBody.content['application/json'].schema).toEqual({
        type: 'object',
        required: ['json'],
        properties: { json: { $ref: `#/components/schemas/webhooks.${procedure}.input` } },
      });
      expect(operation.responses['200'].content['application/json'].schema.properties.result.properties.data.properties.json).toEqual({
        $ref: `#/components/schemas/webhooks.${procedure}.output`,
      });
    }
    expect(document.paths['/api/trpc/webhooks.list'].get.parameters).toEqual([]);
    expect(document.paths['/api/trpc/webhooks.deliveries'].get.parameters).toEqual([
      expect.objectContaining({ name: 'input', in: 'query', required: true, content: { 'application/json': expect.any(Object) } }),
    ]);
    expect(document.components.schemas['webhooks.create.input'].required).toEqual(['url', 'events']);
    expect(document.components.schemas['webhooks.create.input'].additionalProperties).toBe(false);

    expect(Object.keys(document.paths['/api/oauth/authorize'])).toEqual(['get']);
    expect(Object.keys(document.paths['/api/oauth/token'].post.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
    expect(document.paths['/api/oauth/me'].get.security).toEqual([{ partnerToken: [] }]);
    expect(document.paths['/api/oauth/disconnect'].delete.security).toEqual([{ partnerToken: [] }]);
  });
});

describe('Standard Webhooks 1.0', () => {
  it('a webhook created without a secret gets a whsec_ secret, shown once, that verifies every delivery', async () => {
    const receiver = await new WebhookReceiver().start();
    const created = await trpc(stack.api.url, org.key, 'webhooks.create', { url: `${receiver.url}/webhook`, events: ['ticket.created'] });
    expect(created.data).toMatchObject({ hasSecret: true, secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) });
    const listed = (await trpc(stack.api.url, org.key, 'webhooks.list')).data.find((webhook: { id: string }) => webhook.id === created.data.id);
    expect(listed).not.toHaveProperty('secret');
    receiver.secret = created.data.secret;

    const tested = await trpc(stack.api.url, org.key, 'webhooks.test', { id: created.data.id });
    expect(tested.data).toMatchObject({ success: true, status: 200 });
    const [delivery] = receiver.received;
    expect(delivery).toMatchObject({ signatureValid: true, standardValid: true });
    expect(delivery!.request.headers['webhook-id']).toBe(tested.data.deliveryId);
    // A receiver holding another secret rejects it.
    expect(standardSignatureValid(delivery!.request, `whsec_${randomBytes(32).toString('base64')}`)).toBe(false);
    await finished(receiver, created.data.id);
  });

  it("a whsec_ secret given on create is used as it is; the seed's free-form one signs as whsec_ + base64 of its bytes", async () => {
    const given = `whsec_${randomBytes(24).toString('base64')}`;
    const { receiver, webhookId } = await receiverFor(['ticket.created'], given);
    await trpc(stack.api.url, org.key, 'webhooks.test', { id: webhookId });
    expect(receiver.received[0]).toMatchObject({ signatureValid: true, standardValid: true });
    expect(standardSignatureValid(receiver.received[0]!.request, standardSecretOf(given))).toBe(true);
    await finished(receiver, webhookId);

    const free = await receiverFor(['ticket.created'], SECRET);
    await trpc(stack.api.url, org.key, 'webhooks.test', { id: free.webhookId });
    expect(standardSignatureValid(free.receiver.received[0]!.request, `whsec_${Buffer.from(SECRET).toString('base64')}`)).toBe(true);
    expect(relaySignatureValid(free.receiver.received[0]!.request, SECRET)).toBe(true);
    await finished(free.receiver, free.webhookId);
  });
});

describe('secret rotation', () => {
  it('signs with both secrets during the overlap, then with the new one only', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created'], SECRET);
    const rotated = await trpc(stack.api.url, org.key, 'webhooks.rotateSecret', { id: webhookId });
    expect(rotated.data).toEqual({ id: webhookId, secret: expect.stringMatching(/^whsec_/), previousSecretExpiresAt: expect.any(String) });
    const newSecret: string = rotated.data.secret;
    const expiresAt = Date.parse(rotated.data.previousSecretExpiresAt);
    const listed = (await trpc(stack.api.url, org.key, 'webhooks.list')).data.find((webhook: { id: string }) => webhook.id === webhookId);
    expect(listed.previousSecretExpiresAt).toBe(rotated.data.previousSecretExpiresAt);

    // During the overlap: two signatures in each header, space-separated; a receiver holding either secret accepts.
    await trpc(stack.api.url, org.key, 'webhooks.test', { id: webhookId });
    const during = receiver.received.at(-1)!.request;
    expect(Number(during.headers['webhook-timestamp']) * 1000).toBeLessThan(expiresAt);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(String(during.headers['x-relay-signature']).split(' ')).toHaveLength(2);
    for (const secret of [SECRET, newSecret]) {
      expect(standardSignatureValid(during, secret)).toBe(true);
      expect(relaySignatureValid(during, secret)).toBe(true);
    }

    // After it: the new secret only.
    receiver.secret = newSecret;
    const after = await eventually(async () => {
      await trpc(stack.api.url, org.key, 'webhooks.test', { id: webhookId });
      const request = receiver.received.at(-1)!.request;
      return String(request.headers['webhook-signature']).split(' ').length === 1 ? request : undefined;
    }, 'the overlap to end');
    expect(Number(after.headers['webhook-timestamp']) * 1000).toBeGreaterThanOrEqual(expiresAt - 1000);
    expect(standardSignatureValid(after, newSecret)).toBe(true);
    expect(relaySignatureValid(after, newSecret)).toBe(true);
    expect(standardSignatureValid(after, SECRET)).toBe(false);
    expect(relaySignatureValid(after, SECRET)).toBe(false);
    expect(
      (await trpc(stack.api.url, org.key, 'webhooks.list')).data.find((webhook: { id: string }) => webhook.id === webhookId).previousSecretExpiresAt,
    ).toBeNull();
    await finished(receiver, webhookId);
  });

  it("a webhook's sealed secret copied onto another webhook does not sign there: its deliveries fail saying why, and nothing is sent", async () => {
    const a = await receiverFor(['ticket.created'], 'secret-of-webhook-a');
    const b = await receiverFor(['ticket.created'], SECRET);
    const { secret_sealed } = await stack.db.selectFrom('webhooks').select('secret_sealed').where('id', '=', a.webhookId).executeTakeFirstOrThrow();
    await stack.db.updateTable('webhooks').set({ secret_sealed }).where('id', '=', b.webhookId).execute();

    const tested = await trpc(stack.api.url, org.key, 'webhooks.test', { id: b.webhookId });
    expect(tested.data).toMatchObject({ success: false, status: null, error: expect.stringContaining('secret cannot be opened') });
    await newTicketByEmail();
    const deliveries = await deliveriesOfNewest('ticket.created');
    expect(deliveries.find((delivery) => delivery.webhook_id === b.webhookId)).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('secret cannot be opened'),
    });
    expect(deliveries.find((delivery) => delivery.webhook_id === a.webhookId)).toMatchObject({ status: 'succeeded' });
    expect(a.receiver.received.at(-1)).toMatchObject({ signatureValid: true, standardValid: true });
    expect(b.receiver.received).toEqual([]);
    await finished(a.receiver, a.webhookId);
    await finished(b.receiver, b.webhookId);
  });

  it('a rotation to a secret of the caller refuses a malformed one and changes nothing', async () => {
    const { receiver, webhookId } = await receiverFor(['ticket.created'], SECRET);
    const refused = await trpc(stack.api.url, org.key, 'webhooks.rotateSecret', { id: webhookId, secret: 'short' });
    expect(refused.status).toBe(400);
    await trpc(stack.api.url, org.key, 'webhooks.test', { id: webhookId });
    expect(String(receiver.received[0]!.request.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ signatureValid: true, standardValid: true });
    expect((await trpc(stack.api.url, org.key, 'webhooks.rotateSecret', { id: randomUUID() })).error?.data.code).toBe('NOT_FOUND');
    await finished(receiver, webhookId);
  });
});

describe('events no webhook subscribes to', () => {
  it('are kept on record without a workflow; once a webhook subscribes, the next one is delivered', async () => {
    const quiet = await createOrgWithKey(stack.db, ['webhooks', 'helpdesk']);
    const ticket = await createTicket(stack.db, { orgId: quiet.orgId, subject: 'quiet', customerId: null, channel: 'email' });
    const change = async (priority: string) => {
      expect((await call(stack.api.url, `/api/v1/tickets/${ticket.id}`, { key: quiet.key, method: 'PATCH', body: { priority } })).status).toBe(200);
      return stack.db
        .selectFrom('webhook_events')
        .select(['id', 'fanned_out_at'])
        .where('org_id', '=', quiet.orgId)
        .where('type', '=', 'ticket.priority_changed')
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
    };
    // A webhook for other events only: nothing subscribes to this one.
    const other = await receiverFor(['ticket.created'], SECRET, quiet.key);
    const unheard = await change('high');
    expect(unheard.fanned_out_at).not.toBeNull();
    await expect(stack.client.workflow.getHandle(`webhook-event-${unheard.id}`).describe()).rejects.toThrow(WorkflowNotFoundError);

    const { receiver, webhookId } = await receiverFor(['ticket.priority_changed'], SECRET, quiet.key);
    const heard = await change('low');
    expect(heard.fanned_out_at).toBeNull();
    await eventually(async () => (receiver.accepted().length > 0 ? true : undefined), 'the next change delivered');
    expect(receiver.accepted().map((entry) => [entry.body.data.previousPriority, entry.body.data.priority])).toEqual([['high', 'low']]);
    expect(other.receiver.received).toEqual([]);
    await finished(receiver, webhookId);
    await trpc(stack.api.url, quiet.key, 'webhooks.delete', { id: other.webhookId });
    await other.receiver.stop();
  });
});

describe('the shape of a delivery', () => {
  /** A new ticket of the organization's, its priority changed through the API: the ticket.priority_changed event's id. */
  async function raisePriorityChange(own: { orgId: string; key: string }): Promise<string> {
    const ticket = await createTicket(stack.db, { orgId: own.orgId, subject: 'fan-out', customerId: null, channel: 'email' });
    expect((await call(stack.api.url, `/api/v1/tickets/${ticket.id}`, { key: own.key, method: 'PATCH', body: { priority: 'urgent' } })).status).toBe(200);
    const { id } = await stack.db
      .selectFrom('webhook_events')
      .select('id')
      .where('org_id', '=', own.orgId)
      .where('type', '=', 'ticket.priority_changed')
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    return id;
  }

  it(`one workflow per event, its first attempts ${WEBHOOK_FIRST_ATTEMPT_BATCH} endpoints to an activity on the deliveries queue, and a child past the fan-out cap`, async () => {
    // An organization of its own: webhooks other tests left subscribed would move the page boundary.
    const own = await createOrgWithKey(stack.db, ['webhooks', 'helpdesk']);
    const receiver = await new WebhookReceiver(SECRET).start();
    const webhookIds: string[] = [];
    for (let index = 0; index <= WEBHOOK_FAN_OUT_CAP; index += 1) {
      const created = await trpc(stack.api.url, own.key, 'webhooks.create', {
        url: `${receiver.url}/hook/${index}`,
        events: ['ticket.priority_changed'],
        secret: SECRET,
      });
      webhookIds.push(created.data.id);
    }
    const eventId = await raisePriorityChange(own);

    const parent = stack.client.workflow.getHandle(`webhook-event-${eventId}`);
    expect(await parent.result()).toEqual({ succeeded: WEBHOOK_FAN_OUT_CAP, failed: 0, skipped: 0 });
    const lastOfFirstPage = [...webhookIds].sort()[WEBHOOK_FAN_OUT_CAP - 1];
    expect(await stack.client.workflow.getHandle(`webhook-event-${eventId}-after-${lastOfFirstPage}`).result()).toEqual({
      succeeded: 1,
      failed: 0,
      skipped: 0,
    });
    const scheduled = ((await parent.fetchHistory()).events ?? []).flatMap((event) =>
      event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes] : [],
    );
    expect(scheduled).toHaveLength(Math.ceil(WEBHOOK_FAN_OUT_CAP / WEBHOOK_FIRST_ATTEMPT_BATCH));
    expect(new Set(scheduled.map((activity) => `${activity.activityType?.name} on ${activity.taskQueue?.name}`))).toEqual(
      new Set([`attemptWebhookDeliveries on ${stack.taskQueue}-deliveries`]),
    );
    // Each endpoint got the event once.
    expect(new Set(receiver.received.map((entry) => entry.request.path)).size).toBe(WEBHOOK_FAN_OUT_CAP + 1);
    expect(receiver.received).toHaveLength(WEBHOOK_FAN_OUT_CAP + 1);
    for (const webhookId of webhookIds) await trpc(stack.api.url, own.key, 'webhooks.delete', { id: webhookId });
    await receiver.stop();
  });

  it('an endpoint failing among the endpoints that share a first-attempt activity is retried alone; the others get the event once', async () => {
    const own = await createOrgWithKey(stack.db, ['webhooks', 'helpdesk']);
    const healthy = await new WebhookReceiver(SECRET).start();
    const failing = await new WebhookReceiver(SECRET).start();
    failing.failNext = 2;
    const webhookIds: string[] = [];
    for (let index = 0; index < WEBHOOK_FIRST_ATTEMPT_BATCH + 2; index += 1) {
      const url = index === 3 ? `${failing.url}/hook` : `${healthy.url}/hook/${index}`;
      const created = await trpc(stack.api.url, own.key, 'webhooks.create', { url, events: ['ticket.priority_changed'], secret: SECRET });
      webhookIds.push(created.data.id);
    }
    const eventId = await raisePriorityChange(own);

    const run = stack.client.workflow.getHandle(`webhook-event-${eventId}`);
    expect(await run.result()).toEqual({ succeeded: WEBHOOK_FIRST_ATTEMPT_BATCH + 2, failed: 0, skipped: 0 });
    expect(failing.received.map((entry) => entry.status)).toEqual([500, 500, 200]);
    expect(healthy.received).toHaveLength(WEBHOOK_FIRST_ATTEMPT_BATCH + 1);
    expect(new Set(healthy.received.map((entry) => entry.request.path)).size).toBe(WEBHOOK_FIRST_ATTEMPT_BATCH + 1);
    const scheduled = ((await run.fetchHistory()).events ?? []).flatMap((event) =>
      event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes.activityType?.name] : [],
    );
    expect(scheduled).toEqual(['attemptWebhookDeliveries', 'attemptWebhookDeliveries', 'attemptWebhookDelivery', 'attemptWebhookDelivery']);
    // Each attempt is logged on its delivery, the first one's with the others'.
    const failingWebhook = webhookIds[3]!;
    const log = await trpc(stack.api.url, own.key, 'webhooks.deliveries', { id: failingWebhook });
    expect(log.data[0].attempts.map((attempt: { status: number }) => attempt.status)).toEqual([500, 500, 200]);
    for (const webhookId of webhookIds) await trpc(stack.api.url, own.key, 'webhooks.delete', { id: webhookId });
    await Promise.all([healthy.stop(), failing.stop()]);
  });
});

describe('the retry schedule', () => {
  it("is the seed's 1 min, 5 min, 30 min, 2 h and 24 h in production", () => {
    expect(loadConfig({}).webhooks.retryScheduleMs).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 86_400_000]);
  });

  it('keeps a rotated secret signing for 24 hours in production', () => {
    expect(loadConfig({}).webhooks.rotationOverlapMs).toBe(86_400_000);
  });
});
