import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertHubUser } from '../src/auth/repository.js';
import { loadConfig } from '../src/config.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { inboundWorkflowId } from '../src/temporal/ids.js';
import { WebhookReceiver } from './fakes/webhook-receiver.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { trpc } from './support/trpc.js';

const SECRET = 'your-signing-secret';
let stack: Stack;
let org: { orgId: string; key: string };
let support: string;

beforeAll(async () => {
  stack = await startStack({
    env: {
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
      // The seed's 1m/5m/30m/2h/24h, shrunk to 0.3 s each; its production values are asserted below.
      WEBHOOK_RETRY_SCHEDULE_SECONDS: '0.3,0.3,0.3,0.3,0.3',
      POSTMARK_INBOUND_TOKEN: 'pm-token',
    },
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks', 'admin', 'helpdesk']);
  support = `help-${randomBytes(3).toString('hex')}@acme.example`;
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

/** Waits for the fan-out of the org's newest event of `type`; returns the webhooks it planned deliveries to. */
async function fannedOutTo(type: string): Promise<string[]> {
  const event = await stack.db
    .selectFrom('webhook_events')
    .select('id')
    .where('org_id', '=', org.orgId)
    .where('type', '=', type)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  await eventually(() => stack.client.workflow.getHandle(`webhook-event-${event.id}`).result(), 'the fan-out');
  const rows = await stack.db.selectFrom('webhook_deliveries').select('webhook_id').where('event_id', '=', event.id).execute();
  return rows.map((row) => row.webhook_id);
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
    expect(receiver.received.every((entry) => entry.signatureValid)).toBe(true);
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

    // A disabled webhook gets no delivery for a later event.
    await newTicketByEmail();
    expect(await fannedOutTo('ticket.created')).not.toContain(webhookId);
    expect(receiver.received).toHaveLength(6);

    receiver.failAlways = false;
    const replayed = await trpc(stack.api.url, org.key, 'webhooks.replay', { deliveryId: delivery.id });
    expect(replayed.data).toEqual({ deliveryId: delivery.id, status: 'pending' });
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

describe('the retry schedule', () => {
  it("is the seed's 1 min, 5 min, 30 min, 2 h and 24 h in production", () => {
    expect(loadConfig({}).webhooks.retryScheduleMs).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 86_400_000]);
  });
});
