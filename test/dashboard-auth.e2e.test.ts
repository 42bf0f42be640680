import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { FakeHub } from './fakes/fake-hub.js';
import { runCli } from './support/cli.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const SSO_SECRET = 'portal-sso-secret-dashboard';
const hub = new FakeHub(SSO_SECRET);
let stack: Stack;

beforeAll(async () => {
  await hub.start();
  stack = await startStack({
    worker: false,
    env: {
      HUB_API_URL: hub.url,
      PORTAL_SSO_SECRET: SSO_SECRET,
      HUB_SESSION_CACHE_SECONDS: '0',
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await hub.stop();
});

/** An organization created the way an operator maps a Hub organization: `relay orgs create --hub-org-id`. */
async function hubOrganization(): Promise<string> {
  const hubOrgId = randomUUID();
  const created = await runCli(['orgs', 'create', '--name', `acme-${hubOrgId.slice(0, 8)}`, '--hub-org-id', hubOrgId, '--json'], stack.cliEnv);
  expect(created.code, created.stderr).toBe(0);
  expect(JSON.parse(created.stdout).id).toBe(hubOrgId);
  return hubOrgId;
}

async function signIn(orgId: string, role?: string) {
  const { response, cookie, sid } = await hub.signIn(stack.api.url, { hubUserId: `hub-${randomBytes(4).toString('hex')}`, orgId, role }, '/webhooks');
  return { status: response.status, cookie, sid };
}

async function trpc(procedure: string, options: { cookie?: string; key?: string; input?: unknown; mutation?: boolean; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const response = options.mutation
    ? await fetch(`${stack.api.url}/api/trpc/${procedure}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ json: options.input }),
      })
    : await fetch(
        `${stack.api.url}/api/trpc/${procedure}${options.input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: options.input }))}`}`,
        { headers },
      );
  // tRPC's errors are {error: {json: …}}; the CSRF guard in front of tRPC answers as the REST API does, {error: {code, message}}.
  const body = (await response.json()) as {
    result?: { data: { json: any } };
    error?: { json?: { message: string; data: { code: string } }; message?: string };
  };
  return {
    status: response.status,
    data: body.result?.data.json,
    error: body.error?.json ?? (body.error as { message: string; data?: { code: string } } | undefined),
  };
}

const CSRF = { 'x-relay-csrf': '1' };
const webhook = { url: 'http://127.0.0.1:9/hook', events: ['ticket.created'] };
const webhookCount = async (orgId: string) => (await stack.db.selectFrom('webhooks').select('id').where('org_id', '=', orgId).execute()).length;

describe('signing in through Hub into a mapped organization', () => {
  it("relay orgs create --hub-org-id maps Hub's organization: its users sign in, and session.me says who, where and with which role", async () => {
    const orgId = await hubOrganization();
    const user = await signIn(orgId, 'Admin');
    expect(user.status).toBe(302);
    const me = await trpc('session.me', { cookie: user.cookie });
    expect(me.status).toBe(200);
    expect(me.data.role).toBe('Admin');
    expect(me.data.org).toEqual({ id: orgId, name: `acme-${orgId.slice(0, 8)}` });
    expect(me.data.user.email).toMatch(/@acme\.example$/);
  });

  it('refuses a second organization with the same Hub id, and a malformed one', async () => {
    const orgId = await hubOrganization();
    const again = await runCli(['orgs', 'create', '--name', 'twin', '--hub-org-id', orgId], stack.cliEnv);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('exists already');
    const malformed = await runCli(['orgs', 'create', '--name', 'bad', '--hub-org-id', 'not-a-uuid'], stack.cliEnv);
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain('expected a uuid');
  });

  it('gives a token without a role claim the Viewer role, and refuses a role Relay does not know', async () => {
    const orgId = await hubOrganization();
    const legacy = await signIn(orgId);
    expect((await trpc('session.me', { cookie: legacy.cookie })).data.role).toBe('Viewer');
    const unknown = await signIn(orgId, 'Superuser');
    expect(unknown.status).toBe(401);
    expect(unknown.cookie).toBeUndefined();
  });

  it('answers UNAUTHORIZED once Hub ends the session, and without a session', async () => {
    const orgId = await hubOrganization();
    const user = await signIn(orgId, 'Member');
    expect((await trpc('session.me', { cookie: user.cookie })).status).toBe(200);
    hub.endedSessions.add(user.sid);
    const ended = await trpc('session.me', { cookie: user.cookie });
    expect(ended.status).toBe(401);
    expect(ended.error?.data?.code).toBe('UNAUTHORIZED');
    expect((await trpc('session.me')).status).toBe(401);
  });

  it('sends the sign-in button to Hub with the way back, never off Relay', async () => {
    const login = await fetch(`${stack.api.url}/api/portal/login?return_to=%2Fwebhooks`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const location = new URL(login.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${hub.url}/sso/login`);
    expect(location.searchParams.get('product')).toBe('relay');
    expect(location.searchParams.get('return_to')).toBe(`${stack.api.url}/webhooks`);
    // The state Hub hands back, bound to this browser by a cookie (login CSRF).
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(login.headers.get('set-cookie')).toContain(`relay_sso_state=${location.searchParams.get('state')}`);
    const offsite = await fetch(`${stack.api.url}/api/portal/login?return_to=%2F%2Fevil.example`, { redirect: 'manual' });
    expect(offsite.headers.get('location')).toContain(encodeURIComponent(`${stack.api.url}/`));
    expect(offsite.headers.get('location')).not.toContain('evil.example');
  });
});

describe('roles, enforced by the server on every procedure', () => {
  it('lets every role read webhooks and only Admins and Owners change them', async () => {
    const orgId = await hubOrganization();
    for (const role of ['Viewer', 'Member']) {
      const user = await signIn(orgId, role);
      expect((await trpc('webhooks.list', { cookie: user.cookie })).status).toBe(200);
      const create = await trpc('webhooks.create', { cookie: user.cookie, mutation: true, input: webhook, headers: CSRF });
      expect(create.status).toBe(403);
      expect(create.error?.message).toContain('Admin role');
    }
    expect(await webhookCount(orgId)).toBe(0);
    for (const role of ['Admin', 'Owner']) {
      const user = await signIn(orgId, role);
      expect((await trpc('webhooks.create', { cookie: user.cookie, mutation: true, input: webhook, headers: CSRF })).status).toBe(200);
    }
    expect(await webhookCount(orgId)).toBe(2);
  });

  it('keeps API keys on scopes: a key with the webhooks scope manages webhooks, and session procedures are not for keys', async () => {
    const { orgId, key } = await createOrgWithKey(stack.db, ['webhooks']);
    const created = await trpc('webhooks.create', { key, mutation: true, input: webhook });
    expect(created.status).toBe(200);
    expect(await webhookCount(orgId)).toBe(1);
    const me = await trpc('session.me', { key });
    expect(me.status).toBe(403);
    const unscoped = await createOrgWithKey(stack.db, ['read']);
    expect((await trpc('webhooks.list', { key: unscoped.key })).status).toBe(403);
  });
});

describe('CSRF: state-changing calls made with the session cookie', () => {
  it('refuses a mutation without the X-Relay-CSRF header with 403 and changes nothing; with it, the call goes through', async () => {
    const orgId = await hubOrganization();
    const admin = await signIn(orgId, 'Admin');
    const forged = await trpc('webhooks.create', { cookie: admin.cookie, mutation: true, input: webhook });
    expect(forged.status).toBe(403);
    expect(forged.error?.message).toContain('x-relay-csrf');
    expect(await webhookCount(orgId)).toBe(0);
    expect((await trpc('webhooks.create', { cookie: admin.cookie, mutation: true, input: webhook, headers: CSRF })).status).toBe(200);
    expect(await webhookCount(orgId)).toBe(1);
  });

  it('refuses the cross-site form posts a browser can forge (text/plain JSON, urlencoded) with 403', async () => {
    const orgId = await hubOrganization();
    const admin = await signIn(orgId, 'Admin');
    const forms = [
      { 'content-type': 'text/plain', body: JSON.stringify({ json: webhook }) },
      { 'content-type': 'application/x-www-form-urlencoded', body: 'json=1' },
    ];
    for (const form of forms) {
      const response = await fetch(`${stack.api.url}/api/trpc/webhooks.create`, {
        method: 'POST',
        headers: { cookie: admin.cookie!, 'content-type': form['content-type'], origin: 'http://attacker.example' },
        body: form.body,
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    expect(await webhookCount(orgId)).toBe(0);
  });

  it("needs no header for reads with the cookie (the seed's curl list call) nor for calls with an API key", async () => {
    const orgId = await hubOrganization();
    const viewer = await signIn(orgId, 'Viewer');
    expect((await trpc('webhooks.list', { cookie: viewer.cookie })).status).toBe(200);
    const { key } = await createOrgWithKey(stack.db, ['webhooks']);
    expect((await trpc('webhooks.create', { key, mutation: true, input: webhook })).status).toBe(200);
  });

  it('refuses a logout without the header (the session lives on) and logs out with it', async () => {
    const orgId = await hubOrganization();
    const user = await signIn(orgId, 'Member');
    const forged = await fetch(`${stack.api.url}/api/portal/logout`, {
      method: 'POST',
      headers: { cookie: user.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(forged.status).toBe(403);
    expect((await trpc('session.me', { cookie: user.cookie })).status).toBe(200);
    const logout = await fetch(`${stack.api.url}/api/portal/logout`, { method: 'POST', headers: { cookie: user.cookie!, ...CSRF } });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/relay_session=;/);
    expect((await trpc('session.me', { cookie: user.cookie })).status).toBe(401);
  });
});
