import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../../src/helpdesk/repository.js';
import { generateEncryptionKey } from '../../../src/security/encryption.js';
import { WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import { eventually } from '../../../test/support/http.js';
import { createOrgWithKey, startStack, type Stack } from '../../../test/support/stack.js';
import { createRelayClient, RelayTrpcError, verifyWebhook, type RelayClient, type WebhookEventOf } from '../src/index.js';

let stack: Stack;
let relay: RelayClient;
let orgId: string;
let sender: string;

beforeAll(async () => {
  stack = await startStack({ env: { RELAY_ENCRYPTION_KEY: generateEncryptionKey(), RELAY_ALLOW_INSECURE_WEBHOOKS: 'true' } });
  const org = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks', 'helpdesk']);
  sender = org.sender();
  orgId = org.orgId;
  relay = createRelayClient({ baseUrl: stack.api.url, apiKey: org.key });
});
afterAll(() => stack?.stop());

describe('the generated SDK against the running stack', () => {
  it('sends an email and reads its timeline', async () => {
    const to = `to-${randomBytes(4).toString('hex')}@example.org`;
    const sent = await relay.POST('/api/v1/emails', { body: { from: sender, to, subject: 'From the SDK', text: 'Hello' } });
    expect(sent.response.status).toBe(202);
    expect(sent.data).toEqual({ id: expect.any(String), status: 'queued' });

    const email = await eventually(async () => {
      const { data } = await relay.GET('/api/v1/emails/{id}', { params: { path: { id: sent.data!.id } } });
      return data?.status === 'sent' ? data : undefined;
    }, 'the email to be sent');
    expect(email.to).toEqual([to]);
    expect(email.events.map((event) => event.type)).toEqual(['queued', 'sent']);
  });

  it('answers a REST error with its typed error body', async () => {
    const refused = await relay.POST('/api/v1/emails', { body: { from: 'not an address', to: 'x@example.org', subject: 's', text: 't' } });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.error.code).toBe('validation_failed');
  });

  it('manages a webhook on the tRPC wire and verifies a delivery as a receiver would', async () => {
    const receiver = await new WebhookReceiver().start();
    const created = await relay.webhooks.create({ url: `${receiver.url}/hook`, events: ['ticket.priority_changed'] });
    expect(created).toMatchObject({ enabled: true, status: 'active', events: ['ticket.priority_changed'], secret: expect.stringMatching(/^whsec_/) });
    expect((await relay.webhooks.list()).map((webhook) => webhook.id)).toContain(created.id);

    const ticket = await createTicket(stack.db, { orgId, subject: 'SDK', customerId: null, channel: 'email' });
    const patched = await relay.PATCH('/api/v1/tickets/{id}', { params: { path: { id: ticket.id } }, body: { priority: 'high' } });
    expect(patched.response.status).toBe(200);
    const [request] = await eventually(async () => (receiver.requests.length === 1 ? receiver.requests : undefined), 'the delivery');

    const event = verifyWebhook(created.secret!, request!.body, request!.headers);
    expect(event.event).toBe('ticket.priority_changed');
    const changed = event as WebhookEventOf<'ticket.priority_changed'>;
    expect(changed.data).toMatchObject({ ticketId: ticket.id, priority: 'high', previousPriority: 'normal' });
    expect(() => verifyWebhook(`whsec_${randomBytes(32).toString('base64')}`, request!.body, request!.headers)).toThrow();
    expect(() => verifyWebhook(created.secret!, request!.body.replace('high', 'low'), request!.headers)).toThrow();

    const log = await eventually(async () => {
      const rows = await relay.webhooks.deliveries({ id: created.id });
      return rows[0]?.status === 'succeeded' ? rows : undefined;
    }, 'the delivery logged');
    expect(log[0]).toMatchObject({ event: 'ticket.priority_changed', attempts: [{ attempt: 1, status: 200, nextRetryAt: null }] });

    const rotated = await relay.webhooks.rotateSecret({ id: created.id });
    expect(rotated.secret).not.toBe(created.secret);
    expect(await relay.webhooks.update({ id: created.id, enabled: false })).toMatchObject({ enabled: false });
    expect(await relay.webhooks.delete({ id: created.id })).toEqual({ id: created.id, deleted: true });
    await receiver.stop();
  });

  it('throws the tRPC error of a refused call', async () => {
    const refused = await relay.webhooks.create({ url: 'ftp://example.com/hook', events: ['ticket.created'] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RelayTrpcError);
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400, message: expect.stringMatching(/^url refused/) });
  });
});
