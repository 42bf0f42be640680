import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { WebhookReceiver } from './fakes/webhook-receiver.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { call } from './support/http.js';
import { trpc } from './support/trpc.js';

const ADMIN = 'relay-admin-key';
let stack: Stack;
let key: string;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  await receiver.start();
  // Production settings: RELAY_ALLOW_INSECURE_WEBHOOKS is off.
  stack = await startStack({ worker: false, env: { RELAY_ENCRYPTION_KEY: generateEncryptionKey(), RELAY_ADMIN_KEY: ADMIN } });
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

describe('partner redirect URIs', () => {
  const register = (redirectUri: string) =>
    call(stack.api.url, '/api/admin/partners', {
      key: ADMIN,
      body: { name: 'MyCRM', redirect_uris: [redirectUri], webhook_url: 'https://93.184.215.14/relayit' },
    });

  it.each(['http://mycrm.example/oauth/callback', 'http://127.0.0.1:8080/callback', 'http://localhost/callback'])(
    '%s is refused: an authorization code must not travel in clear',
    async (uri) => {
      const response = await register(uri);
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([{ path: 'redirect_uris.0', message: expect.stringContaining('https') }]);
    },
  );

  it('an https redirect URI is accepted; one stored as http before this rule gets no code', async () => {
    const created = await register('https://mycrm.example/oauth/callback');
    expect(created.status).toBe(201);
    await stack.db
      .updateTable('partners')
      .set({ redirect_uris: ['http://mycrm.example/oauth/callback'] })
      .where('id', '=', created.body.id)
      .execute();
    const query = new URLSearchParams({
      client_id: created.body.client_id,
      redirect_uri: 'http://mycrm.example/oauth/callback',
      state: 's',
      response_type: 'code',
    });
    const authorize = await fetch(`${stack.api.url}/api/oauth/authorize?${query}`, { redirect: 'manual' });
    expect(authorize.status).toBe(400);
    expect(authorize.headers.get('location')).toBeNull();
    expect(await authorize.text()).toContain('This redirect_uri is not https.');
  });
});
