import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../src/helpdesk/repository.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { WEBHOOK_FIRST_ATTEMPT_BATCH } from '../src/webhooks/workflows.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { trpc } from './support/trpc.js';

let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;

beforeAll(async () => {
  stack = await startStack({
    env: { RELAY_ENCRYPTION_KEY: generateEncryptionKey(), RELAY_ALLOW_INSECURE_WEBHOOKS: 'true', OUTGOING_DELIVERY_CONCURRENCY: '2' },
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks', 'helpdesk']);
});
afterAll(() => stack?.stop());

/** A receiver that reads each request and never answers it, holding a delivery slot for the whole 30-s timeout. */
async function blackHole() {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    held.push(res);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    stop: () =>
      new Promise<void>((done) => {
        for (const res of held) res.destroy();
        server.close(() => done());
      }),
  };
}

describe('outgoing deliveries have their own task queue', () => {
  it('an email is sent while hanging receivers hold every delivery slot', async () => {
    const receiver = await blackHole();
    // Three activities' worth: three full batches of first attempts.
    for (let index = 0; index < 3 * WEBHOOK_FIRST_ATTEMPT_BATCH; index += 1) {
      const created = await trpc(stack.api.url, org.key, 'webhooks.create', { url: `${receiver.url}/hook/${index}`, events: ['ticket.priority_changed'] });
      expect(created.status).toBe(200);
    }
    const ticket = await createTicket(stack.db, { orgId: org.orgId, subject: 'slow receivers', customerId: null, channel: 'email' });
    expect((await call(stack.api.url, `/api/v1/tickets/${ticket.id}`, { key: org.key, method: 'PATCH', body: { priority: 'high' } })).status).toBe(200);
    // Both slots (OUTGOING_DELIVERY_CONCURRENCY=2) are taken, a batch of first attempts each; the third activity waits for one.
    const hanging = 2 * WEBHOOK_FIRST_ATTEMPT_BATCH;
    await eventually(async () => (receiver.held.length === hanging ? true : undefined), 'two batches of deliveries hanging');

    const sent = await call(stack.api.url, '/api/v1/emails', {
      key: org.key,
      body: { from: org.sender(), to: `to-${randomBytes(4).toString('hex')}@example.org`, subject: 'Still flowing', text: 'hi' },
    });
    expect(sent.status).toBe(202);
    await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/v1/emails/${sent.body.id}`, { key: org.key });
      return body.status === 'sent' ? body : undefined;
    }, 'the email to be sent');
    // Sent while the receivers still held both slots and the third activity had not started.
    expect(receiver.held.filter((res) => !res.writableEnded)).toHaveLength(hanging);
    expect(receiver.held).toHaveLength(hanging);
    await receiver.stop();
  });
});
