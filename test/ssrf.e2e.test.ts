import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { WebhookReceiver } from './fakes/webhook-receiver.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { trpc } from './support/trpc.js';

let stack: Stack;
let key: string;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  await receiver.start();
  // Production settings: RELAY_ALLOW_INSECURE_WEBHOOKS is off.
  stack = await startStack({ worker: false, env: { RELAY_ENCRYPTION_KEY: generateEncryptionKey() } });
  ({ key } = await createOrgWithKey(stack.db, ['webhooks']));
});
afterAll(async () => {
  await stack?.stop();
  await receiver.stop();
});

describe('webhook targets Relay refuses', () => {
  it.each([
    'https://10.0.0.1/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/hook',
    'https://[fd00:ec2::254]/hook',
    'https://localhost/hook',
    'http://example.com/hook',
  ])('%s is refused at create with 400, and nothing is stored', async (url) => {
    const response = await trpc(stack.api.url, key, 'webhooks.create', { url, events: ['ticket.created'] });
    expect(response.status).toBe(400);
    expect(response.error?.message).toMatch(/^url refused/);
    expect((await trpc(stack.api.url, key, 'webhooks.list')).data).toEqual([]);
  });

  it('a loopback receiver is refused in production mode', async () => {
    const response = await trpc(stack.api.url, key, 'webhooks.create', { url: `${receiver.url}/hook`, events: ['ticket.created'] });
    expect(response.status).toBe(400);
    expect(receiver.received).toEqual([]);
  });
});
