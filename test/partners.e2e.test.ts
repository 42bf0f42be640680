import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { partnerDeliveryWorkflowId } from '../src/temporal/ids.js';
import { partnerRetryPolicy } from '../src/partners/workflows.js';
import { FakeHub } from './fakes/fake-hub.js';
import { PartnerReceiver } from './fakes/partner-receiver.js';
import { runCli } from './support/cli.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const SSO_SECRET = 'portal-sso-secret';
const ADMIN = 'relay-admin-key';
const hub = new FakeHub(SSO_SECRET);
let stack: Stack;
let org: { orgId: string; key: string };

beforeAll(async () => {
  await hub.start();
  stack = await startStack({
    env: {
      HUB_API_URL: hub.url,
      PORTAL_SSO_SECRET: SSO_SECRET,
      HUB_SESSION_CACHE_SECONDS: '0',
      RELAY_ADMIN_KEY: ADMIN,
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
      // The seed's 1 s, 2 s, 4 s, 8 s, shrunk; the production policy is asserted below.
      PARTNER_DELIVERY_FIRST_RETRY_MS: '20',
      PARTNER_SUSPEND_AFTER_DENIALS: '5',
    },
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'debriefs']);
});
afterAll(async () => {
  await stack?.stop();
  await hub.stop();
});

const REDIRECT = 'https://mycrm.example/oauth/callback';

async function raw(path: string, init: RequestInit = {}) {
  return fetch(`${stack.api.url}${path}`, { redirect: 'manual', ...init });
}

async function newPartner(overrides: Record<string, unknown> = {}) {
  const receiver = await new PartnerReceiver('unknown-yet').start();
  const errors = await new PartnerReceiver('unknown-yet').start();
  const response = await call(stack.api.url, '/api/admin/partners', {
    key: ADMIN,
    body: { name: 'MyCRM', redirect_uris: [REDIRECT], webhook_url: `${receiver.url}/relayit`, error_url: `${errors.url}/relayit-error`, ...overrides },
  });
  expect(response.status).toBe(201);
  receiver.secret = response.body.webhook_signing_secret;
  errors.secret = response.body.webhook_signing_secret;
  return { partner: response.body as { id: string; client_id: string; client_secret: string; webhook_signing_secret: string }, receiver, errors };
}

/** Signs a user in through Hub SSO and returns the session cookie. */
async function signIn(hubUserId = `hub-${randomBytes(4).toString('hex')}`) {
  const { response, sid } = await hub.signIn(stack.api.url, { hubUserId, orgId: org.orgId });
  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe('/after');
  const setCookie = response.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Lax/i);
  const cookie = /relay_session=[^;]+/.exec(setCookie)![0];
  const user = await stack.db.selectFrom('users').select('id').where('hub_user_id', '=', hubUserId).executeTakeFirstOrThrow();
  return { cookie, sid, userId: user.id };
}

const authorizeQuery = (clientId: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({ client_id: clientId, redirect_uri: REDIRECT, state: 'csrf-state-123', scope: 'default', response_type: 'code', ...extra }).toString();

/** Authorize and consent as the signed-in user; returns the redirect to the partner. */
async function consent(clientId: string, cookie: string, decision: 'approve' | 'deny' = 'approve', extra: Record<string, string> = {}) {
  const page = await raw(`/api/oauth/authorize?${authorizeQuery(clientId, extra)}`, { headers: { cookie } });
  expect(page.status).toBe(200);
  const html = await page.text();
  const fields = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]),
  );
  const response = await raw('/api/oauth/consent', {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, decision }).toString(),
  });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!);
}

async function exchange(partner: { client_id: string; client_secret: string }, code: string, extra: Record<string, string> = {}) {
  const response = await raw('/api/oauth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: partner.client_id,
      client_secret: partner.client_secret,
      redirect_uri: REDIRECT,
      ...extra,
    }).toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, string> };
}

async function connect(partner: { client_id: string; client_secret: string }) {
  const user = await signIn();
  const callback = await consent(partner.client_id, user.cookie);
  const token = await exchange(partner, callback.searchParams.get('code')!);
  expect(token.status).toBe(200);
  return { ...user, token: token.body.access_token! };
}

const me = (token: string) => call(stack.api.url, '/api/oauth/me', { key: token });

describe('the OAuth connect flow', () => {
  it('goes through Hub sign-in, consent and token exchange, and creates the connection', async () => {
    const { partner } = await newPartner({ logo_url: 'https://mycrm.example/logo.png' });
    const anonymous = await raw(`/api/oauth/authorize?${authorizeQuery(partner.client_id)}`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(new RegExp(`^${hub.url}/sso/login\\?product=relay&return_to=`));

    const user = await signIn();
    const page = await raw(`/api/oauth/authorize?${authorizeQuery(partner.client_id)}`, { headers: { cookie: user.cookie } });
    const html = await page.text();
    expect(html).toContain('MyCRM');
    expect(html).toContain('https://mycrm.example/logo.png');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");

    const callback = await consent(partner.client_id, user.cookie);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT);
    expect(callback.searchParams.get('state')).toBe('csrf-state-123');
    expect(callback.searchParams.get('code')).toMatch(/^pcode_/);

    const token = await exchange(partner, callback.searchParams.get('code')!);
    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    expect(token.body).toEqual({
      access_token: expect.stringMatching(/^ptok_/),
      token_type: 'Bearer',
      scope: 'default',
      user_id: user.userId,
      partner_id: partner.id,
      // Additive to the seed's shape: tokens do not expire by default, the refresh token
      // lets a partner get a new one after a rotation without the user reconnecting.
      refresh_token: expect.stringMatching(/^prt_/),
    });
    expect(token.body).not.toHaveProperty('expires_in');

    const introspected = await me(token.body.access_token!);
    expect(introspected.body).toEqual({
      user_id: user.userId,
      partner: { id: partner.id, name: 'MyCRM', webhook_url: expect.stringContaining('/relayit') },
      scope: 'default',
      active: true,
    });
    const stored = await stack.db.selectFrom('partner_tokens').select('token_hash').execute();
    expect(stored.every((row) => !row.token_hash.toString('utf8').includes('ptok_'))).toBe(true);
  });

  it('denying redirects with access_denied; a forged consent form is refused', async () => {
    const { partner } = await newPartner();
    const user = await signIn();
    const denied = await consent(partner.client_id, user.cookie, 'deny');
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: 'access_denied', state: 'csrf-state-123' });

    const forged = await raw('/api/oauth/consent', {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: partner.client_id,
        redirect_uri: REDIRECT,
        state: 's',
        scope: 'default',
        csrf: 'ab'.repeat(32),
        decision: 'approve',
      }).toString(),
    });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('supports PKCE S256 and refuses a wrong verifier', async () => {
    const { partner } = await newPartner();
    const user = await signIn();
    const verifier = randomBytes(40).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
    const first = await consent(partner.client_id, user.cookie, 'approve', pkce);
    expect((await exchange(partner, first.searchParams.get('code')!, { code_verifier: 'x'.repeat(43) })).body.error).toBe('invalid_grant');
    const second = await consent(partner.client_id, user.cookie, 'approve', pkce);
    expect((await exchange(partner, second.searchParams.get('code')!, { code_verifier: verifier })).status).toBe(200);
  });

  it('shows an error page, never a redirect, for an unknown client or an inexact redirect_uri', async () => {
    const { partner } = await newPartner();
    for (const query of [
      authorizeQuery('pcli_unknown'),
      authorizeQuery(partner.client_id, { redirect_uri: `${REDIRECT}/extra` }),
      authorizeQuery(partner.client_id, { redirect_uri: 'https://evil.example/callback' }),
      authorizeQuery(partner.client_id, { response_type: 'token' }),
    ]) {
      const response = await raw(`/api/oauth/authorize?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('Cannot connect');
    }
  });

  it('refuses every bad token request with the RFC 6749 error', async () => {
    const { partner } = await newPartner();
    const user = await signIn();
    const code = async () => (await consent(partner.client_id, user.cookie)).searchParams.get('code')!;

    const json = await call(stack.api.url, '/api/oauth/token', {
      body: {
        grant_type: 'authorization_code',
        code: await code(),
        client_id: partner.client_id,
        client_secret: partner.client_secret,
        redirect_uri: REDIRECT,
      },
    });
    expect(json.status).toBe(400);
    expect(json.body.error).toBe('invalid_request');
    const inQuery = await raw(`/api/oauth/token?client_secret=${partner.client_secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code',
    });
    expect(((await inQuery.json()) as { error: string }).error).toBe('invalid_request');
    expect((await exchange({ ...partner, client_secret: 'psec_wrong' }, await code())).body.error).toBe('invalid_client');
    expect((await exchange(partner, await code(), { redirect_uri: 'https://mycrm.example/other' })).body.error).toBe('invalid_grant');
    expect((await exchange(partner, await code(), { grant_type: 'password' })).body.error).toBe('unsupported_grant_type');

    const expired = await code();
    await stack.db
      .updateTable('oauth_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('partner_id', '=', partner.id)
      .where('used_at', 'is', null)
      .execute();
    expect((await exchange(partner, expired)).body).toMatchObject({ error: 'invalid_grant', error_description: 'code expired' });

    // A code used twice: the second use fails and revokes the token the first one bought.
    const reused = await code();
    const first = await exchange(partner, reused);
    expect((await me(first.body.access_token!)).status).toBe(200);
    expect((await exchange(partner, reused)).body.error).toBe('invalid_grant');
    expect((await me(first.body.access_token!)).status).toBe(401);

    // Basic client authentication works too.
    const basic = await raw('/api/oauth/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${partner.client_id}:${partner.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: await code(), redirect_uri: REDIRECT }).toString(),
    });
    expect(basic.status).toBe(200);
  });

  it("a signed-in user manages the organization's webhooks with the session cookie, as the seed's curl calls do", async () => {
    const user = await signIn();
    const response = await fetch(`${stack.api.url}/api/trpc/webhooks.list`, { headers: { cookie: user.cookie } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { result: { data: { json: unknown } } }).result.data.json).toEqual([]);
    const anonymous = await fetch(`${stack.api.url}/api/trpc/webhooks.list`);
    expect(anonymous.status).toBe(401);
  });

  it('a user removed in Hub loses the session', async () => {
    const { partner } = await newPartner();
    const user = await signIn();
    expect((await raw(`/api/oauth/authorize?${authorizeQuery(partner.client_id)}`, { headers: { cookie: user.cookie } })).status).toBe(200);
    hub.endedSessions.add(user.sid);
    const after = await raw(`/api/oauth/authorize?${authorizeQuery(partner.client_id)}`, { headers: { cookie: user.cookie } });
    expect(after.status).toBe(302);
    expect(after.headers.get('location')).toContain('/sso/login');
  });
});

describe('the token API', () => {
  it('allows only /me and /disconnect; disconnect revokes the token and the connection', async () => {
    const { partner } = await newPartner();
    const { token, userId } = await connect(partner);
    const elsewhere = await call(stack.api.url, '/api/v1/emails', { key: token });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.message).toContain('/api/oauth/me');

    expect((await call(stack.api.url, '/api/oauth/disconnect', { key: token, method: 'DELETE' })).body).toEqual({ disconnected: true });
    expect((await me(token)).status).toBe(401);
    const connection = await stack.db
      .selectFrom('crm_connections')
      .select('active')
      .where('partner_id', '=', partner.id)
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(connection.active).toBe(false);
  });

  it('answers 429 naming the per-user limit, with Retry-After', async () => {
    const { partner } = await newPartner({ rate_limit_per_user: 3 });
    const { token } = await connect(partner);
    const statuses = [];
    for (let index = 0; index < 4; index += 1) statuses.push(await me(token));
    expect(statuses.map((response) => response.status)).toEqual([200, 200, 200, 429]);
    expect(statuses[3]!.body.error.details).toMatchObject({ limit: 'per_user', max_per_minute: 3 });
    expect(Number(statuses[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers 429 naming the partner-wide limit across users', async () => {
    const { partner } = await newPartner({ rate_limit_per_user: 10, rate_limit_per_partner: 4 });
    const alice = await connect(partner);
    const bob = await connect(partner);
    const statuses = [await me(alice.token), await me(alice.token), await me(bob.token), await me(bob.token), await me(bob.token)];
    expect(statuses.map((response) => response.status)).toEqual([200, 200, 200, 200, 429]);
    expect(statuses[4]!.body.error.details.limit).toBe('per_partner');
  });

  it('audits every token request and suspends a partner whose tokens keep being refused', async () => {
    const { partner } = await newPartner();
    const { token, userId } = await connect(partner);
    await me(token);
    for (let index = 0; index < 5; index += 1) await call(stack.api.url, `/api/v1/emails/${index}`, { key: token });
    // Audit rows are written as each response finishes, in no particular order.
    const audit = await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/admin/partners/${partner.id}/audit`, { key: ADMIN });
      return body.partner.suspended_at && body.data.length >= 6 ? body : undefined;
    }, 'the suspension and every audit row');
    expect(audit.data).toContainEqual(
      expect.objectContaining({ user_id: userId, method: 'GET', endpoint: '/api/oauth/me', status: 200, ip: expect.any(String) }),
    );
    expect(audit.data.filter((entry: { status: number }) => entry.status === 403)).toHaveLength(5);
    expect(audit.partner.suspended_reason).toMatch(/enumeration/);
    expect((await me(token)).status).toBe(403);

    await call(stack.api.url, `/api/admin/partners/${partner.id}/unsuspend`, { key: ADMIN, method: 'POST' });
    expect((await me(token)).status).toBe(200);
    expect((await call(stack.api.url, `/api/admin/partners/${partner.id}/audit`, { key: 'wrong' })).status).toBe(401);
  });
});

describe('partner credentials', () => {
  it('rotation gives new secrets and the old ones stop working at once', async () => {
    const { partner, receiver } = await newPartner();
    const user = await signIn();
    const rotated = await call(stack.api.url, `/api/admin/partners/${partner.id}/rotate`, { key: ADMIN, method: 'POST' });
    expect(rotated.body).toEqual({
      id: partner.id,
      client_id: partner.client_id,
      client_secret: expect.stringMatching(/^psec_/),
      webhook_signing_secret: expect.any(String),
      access_tokens_revoked: 0,
    });
    expect(rotated.body.client_secret).not.toBe(partner.client_secret);

    const code = (await consent(partner.client_id, user.cookie)).searchParams.get('code')!;
    expect((await exchange(partner, code)).body.error).toBe('invalid_client');
    const fresh = await exchange(
      { ...partner, client_secret: rotated.body.client_secret },
      (await consent(partner.client_id, user.cookie)).searchParams.get('code')!,
    );
    expect(fresh.status).toBe(200);

    // Deliveries are now signed with the new secret only.
    receiver.secret = rotated.body.webhook_signing_secret;
    await call(stack.api.url, '/api/v1/debriefs', {
      key: org.key,
      body: { user_id: user.userId, actions: [{ action: 'create_note', record_id: 'r1', content: 'after rotation' }] },
    });
    await eventually(async () => (receiver.received.some((entry) => entry.verified) ? true : undefined), 'a delivery verified with the new secret');
  });

  it('refuses webhook and error URLs that point at private or metadata addresses', async () => {
    for (const overrides of [
      { webhook_url: 'https://10.0.0.1/relayit' },
      { webhook_url: 'https://example.com/x', error_url: 'http://169.254.169.254/latest' },
      { webhook_url: 'ftp://example.com/x' },
    ]) {
      const response = await call(stack.api.url, '/api/admin/partners', { key: ADMIN, body: { name: 'Evil', redirect_uris: [REDIRECT], ...overrides } });
      expect(response.status).toBe(400);
    }
    expect(await stack.db.selectFrom('partners').select('id').where('name', '=', 'Evil').execute()).toEqual([]);
  });
});

describe('debrief deliveries', () => {
  async function connectedPartner() {
    const setup = await newPartner();
    const connection = await connect(setup.partner);
    return { ...setup, ...connection };
  }

  const debrief = (userId: string, actions: unknown[]) => call(stack.api.url, '/api/v1/debriefs', { key: org.key, body: { user_id: userId, actions } });

  it('delivers each action, signed as the seed says, on the first try', async () => {
    const { receiver, userId, partner } = await connectedPartner();
    const actions = [
      { action: 'create_note', record_id: '0061x000003abcDEF', content: 'Customer wants to expand to 3 more locations.' },
      { action: 'update_opportunity', record_id: '0061x000003abcDEF', fields: { deal_stage: 'Negotiation', amount: 48000, close_date: '2026-05-31' } },
      {
        action: 'create_activity',
        record_id: '0031x000004ghiJKL',
        fields: { subject: 'Voice Note: Acme expansion call', status: 'Completed', date: '2026-04-26', record_type: 'opportunity' },
      },
    ];
    const accepted = await debrief(userId, actions);
    expect(accepted.status).toBe(202);
    expect(accepted.body.deliveries).toHaveLength(3);
    await eventually(async () => (receiver.received.length === 3 ? true : undefined), 'three deliveries');
    for (const entry of receiver.received) {
      expect(entry).toMatchObject({ status: 200, verified: true, duplicate: false });
      expect(entry.request.headers['x-relayit-api-version']).toBe('1');
      expect(entry.request.headers['content-type']).toBe('application/json');
      // Compact JSON, exactly the seed's shape.
      expect(entry.request.body).toBe(JSON.stringify(JSON.parse(entry.request.body)));
    }
    expect(receiver.received.map((entry) => JSON.parse(entry.request.body)).sort((a, b) => a.action.localeCompare(b.action))).toEqual(
      [...actions].sort((a, b) => a.action.localeCompare(b.action)),
    );
    const log = await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/admin/partners/${partner.id}/deliveries`, { key: ADMIN });
      return body.data.every((delivery: { status: string }) => delivery.status === 'succeeded') ? body : undefined;
    }, 'the deliveries recorded');
    expect(log.data.map((delivery: { partner_record_id: string }) => delivery.partner_record_id)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^crm-/)]),
    );
  });

  it('waits for a partner slower than the heartbeat timeout and delivers once: the attempt heartbeats while it waits', async () => {
    const { receiver, userId } = await connectedPartner();
    const answer = receiver.respond;
    receiver.respond = (request, res) => void setTimeout(() => answer(request, res), 12_000);
    const accepted = await debrief(userId, [{ action: 'create_note', record_id: 'r', content: 'take your time' }]);
    const key = accepted.body.deliveries[0].idempotency_key;
    await eventually(() => stack.client.workflow.getHandle(partnerDeliveryWorkflowId(key)).result(), 'the delivery');
    // Counted as they arrive: a second attempt would have come a second after the 10 s timeout, before the first answer.
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.received.map((entry) => entry.status)).toEqual([200]);
  });

  it('succeeds on the 4th attempt with the same idempotency key, every attempt signed and verified', async () => {
    const { receiver, userId } = await connectedPartner();
    receiver.failNext = 3;
    const accepted = await debrief(userId, [{ action: 'create_note', record_id: 'r', content: 'retry me' }]);
    const key = accepted.body.deliveries[0].idempotency_key;
    await eventually(() => stack.client.workflow.getHandle(partnerDeliveryWorkflowId(key)).result(), 'the delivery');
    expect(receiver.received.map((entry) => entry.status)).toEqual([502, 502, 502, 200]);
    expect(new Set(receiver.received.map((entry) => entry.request.headers['x-relayit-idempotency-key']))).toEqual(new Set([key]));
    expect(receiver.received.every((entry) => entry.verified)).toBe(true);
  });

  it('after 5 failed attempts sends exactly one signed write_failed event to error_url; replay delivers with the same key', async () => {
    const { receiver, errors, userId, partner } = await connectedPartner();
    receiver.failAlways = true;
    const accepted = await debrief(userId, [
      { action: 'update_opportunity', record_id: '0061x000003abcDEF', fields: { deal_stage: 'Negotiation', amount: 48000 } },
    ]);
    const key = accepted.body.deliveries[0].idempotency_key;
    const handle = stack.client.workflow.getHandle(partnerDeliveryWorkflowId(key));
    await expect(handle.result()).rejects.toThrow();
    expect(receiver.received).toHaveLength(5);
    expect(errors.received).toHaveLength(1);
    const [event] = errors.received;
    expect(event).toMatchObject({ verified: true, status: 200 });
    expect(event!.request.headers['x-relayit-idempotency-key']).toBe(`${key}:err`);
    expect(JSON.parse(event!.request.body)).toEqual({
      event: 'write_failed',
      provider: 'open_api',
      action: 'update_opportunity',
      record_id: '0061x000003abcDEF',
      idempotency_key: key,
      attempts: 5,
      last_error: 'HTTP 502: Bad Gateway',
      last_http_status: 502,
      fields_written: { deal_stage: 'Negotiation', amount: 48000 },
      failed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    receiver.failAlways = false;
    const replay = await call(stack.api.url, `/api/admin/partner-deliveries/${key}/replay`, { key: ADMIN, method: 'POST' });
    expect(replay.status).toBe(202);
    await eventually(async () => (receiver.received.some((entry) => entry.status === 200) ? true : undefined), 'the replayed delivery');
    expect(receiver.received.at(-1)!.request.headers['x-relayit-idempotency-key']).toBe(key);
    // The receiver answers before Relay records the outcome.
    await eventually(() => stack.client.workflow.getHandle(partnerDeliveryWorkflowId(key)).result(), 'the replayed run');
    const log = (await call(stack.api.url, `/api/admin/partners/${partner.id}/deliveries`, { key: ADMIN })).body.data[0];
    expect(log.status).toBe('succeeded');
  });

  it("refuses a debrief that does not match the seed's shapes, storing nothing", async () => {
    const { userId } = await connectedPartner();
    const before = (await stack.db.selectFrom('partner_deliveries').select('idempotency_key').execute()).length;
    for (const actions of [
      [{ action: 'delete_everything', record_id: 'r' }],
      [{ action: 'create_note', record_id: 'r' }],
      [{ action: 'update_opportunity', record_id: 'r', fields: {} }],
      [{ action: 'create_note', record_id: 'r', content: 'x', transcript: 'secret' }],
      [],
    ]) {
      const response = await debrief(userId, actions);
      expect(response.status).toBe(400);
    }
    expect(
      (await call(stack.api.url, '/api/v1/debriefs', { key: (await createOrgWithKey(stack.db, ['send'])).key, body: { user_id: userId, actions: [] } })).status,
    ).toBe(403);
    expect((await stack.db.selectFrom('partner_deliveries').select('idempotency_key').execute()).length).toBe(before);
  });
});

describe('the production delivery policy', () => {
  it('is 5 attempts with waits of 1, 2, 4 and 8 seconds', () => {
    const { partners } = loadConfig({});
    expect(partnerRetryPolicy({ attempts: partners.deliveryAttempts, firstRetryMs: partners.firstRetryMs })).toEqual({
      maximumAttempts: 5,
      initialInterval: 1000,
      backoffCoefficient: 2,
      maximumInterval: 8000,
    });
  });
});

describe('stopping a partner', () => {
  const refresh = (partner: { client_id: string; client_secret: string }, refreshToken: string) =>
    raw('/api/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: partner.client_id,
        client_secret: partner.client_secret,
      }).toString(),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, string | number> }));

  async function connectWithRefresh(partner: { client_id: string; client_secret: string }) {
    const user = await signIn();
    const callback = await consent(partner.client_id, user.cookie);
    const token = await exchange(partner, callback.searchParams.get('code')!);
    expect(token.status).toBe(200);
    return { ...user, token: token.body.access_token!, refreshToken: token.body.refresh_token! };
  }

  it('an operator suspends a partner by hand: its tokens, consent and code exchanges are refused until lifted', async () => {
    const { partner } = await newPartner();
    const { token, cookie } = await connectWithRefresh(partner);
    const pendingCode = (await consent(partner.client_id, cookie)).searchParams.get('code')!;

    const suspended = await call(stack.api.url, `/api/admin/partners/${partner.id}/suspend`, { key: ADMIN, body: { reason: 'leaked client secret' } });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ id: partner.id, suspended: true, suspended_reason: 'leaked client secret' });

    expect((await me(token)).status).toBe(403);
    const authorize = await raw(`/api/oauth/authorize?${authorizeQuery(partner.client_id)}`, { headers: { cookie } });
    expect(authorize.status).toBe(400);
    // A code issued before the suspension buys nothing afterwards.
    const exchanged = await exchange(partner, pendingCode);
    expect(exchanged.status).toBe(400);
    expect(exchanged.body).toMatchObject({ error: 'unauthorized_client', error_description: 'this application is suspended' });

    await call(stack.api.url, `/api/admin/partners/${partner.id}/unsuspend`, { key: ADMIN, method: 'POST' });
    expect((await me(token)).status).toBe(200);
    expect((await call(stack.api.url, `/api/admin/partners/${partner.id}/suspend`, { key: 'wrong', body: {} })).status).toBe(401);
  });

  it('`relay partners suspend` and `unsuspend` do the same from the command line', async () => {
    const { partner } = await newPartner();
    const { token } = await connectWithRefresh(partner);
    const suspended = await runCli(['partners', 'suspend', partner.id, '--reason', 'incident 42', '--json'], stack.cliEnv);
    expect(suspended.code).toBe(0);
    expect(JSON.parse(suspended.stdout)).toMatchObject({ id: partner.id, suspended: true, suspended_reason: 'incident 42' });
    expect((await me(token)).status).toBe(403);
    expect((await runCli(['partners', 'unsuspend', partner.id], stack.cliEnv)).code).toBe(0);
    expect((await me(token)).status).toBe(200);
    expect((await runCli(['partners', 'suspend', '00000000-0000-4000-8000-000000000000'], stack.cliEnv)).code).not.toBe(0);
  });

  it('rotation revokes the access tokens; the refresh token with the new secret gets a new one without the user reconnecting', async () => {
    const { partner } = await newPartner();
    const alice = await connectWithRefresh(partner);
    const bob = await connectWithRefresh(partner);

    const rotated = await call(stack.api.url, `/api/admin/partners/${partner.id}/rotate`, { key: ADMIN, method: 'POST' });
    expect(rotated.body.access_tokens_revoked).toBe(2);
    const revoked = await me(alice.token);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toMatch(/^Bearer realm="relay", error="invalid_token"/);
    expect((await me(bob.token)).status).toBe(401);

    // The old secret cannot refresh; the new one can, and the refresh token is rotated on use.
    expect((await refresh(partner, alice.refreshToken)).body.error).toBe('invalid_client');
    const renewed = { ...partner, client_secret: rotated.body.client_secret as string };
    const fresh = await refresh(renewed, alice.refreshToken);
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({
      access_token: expect.stringMatching(/^ptok_/),
      refresh_token: expect.stringMatching(/^prt_/),
      token_type: 'Bearer',
      user_id: alice.userId,
    });
    expect(fresh.body.refresh_token).not.toBe(alice.refreshToken);
    expect((await me(fresh.body.access_token as string)).body.active).toBe(true);

    // A spent refresh token presented again may have leaked: the connection it belongs to ends.
    const replayed = await refresh(renewed, alice.refreshToken);
    expect(replayed.body.error).toBe('invalid_grant');
    expect((await me(fresh.body.access_token as string)).status).toBe(401);
    expect((await refresh(renewed, fresh.body.refresh_token as string)).body.error).toBe('invalid_grant');

    // A refresh token of another partner, or of a disconnected user, buys nothing.
    const other = await newPartner();
    expect((await refresh(other.partner, bob.refreshToken)).body.error).toBe('invalid_grant');
    const bobFresh = await refresh(renewed, bob.refreshToken);
    await call(stack.api.url, '/api/oauth/disconnect', { key: bobFresh.body.access_token as string, method: 'DELETE' });
    expect((await refresh(renewed, bobFresh.body.refresh_token as string)).body.error).toBe('invalid_grant');
  });

  it('a rotation can keep the access tokens when the operator says so', async () => {
    const { partner } = await newPartner();
    const { token } = await connectWithRefresh(partner);
    const rotated = await call(stack.api.url, `/api/admin/partners/${partner.id}/rotate`, { key: ADMIN, body: { revoke_access_tokens: false } });
    expect(rotated.body.access_tokens_revoked).toBe(0);
    expect((await me(token)).status).toBe(200);
  });

  it('access tokens expire when the partner has a token lifetime, and are refreshed (RFC 6749 §6)', async () => {
    const { partner } = await newPartner();
    const changed = await call(stack.api.url, `/api/admin/partners/${partner.id}`, { key: ADMIN, method: 'PATCH', body: { access_token_ttl_seconds: 3600 } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: partner.id, access_token_ttl_seconds: 3600 });
    const user = await signIn();
    const token = await exchange(partner, (await consent(partner.client_id, user.cookie)).searchParams.get('code')!);
    expect(token.body.expires_in).toBe(3600);
    expect((await me(token.body.access_token!)).status).toBe(200);

    await stack.db
      .updateTable('partner_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('partner_id', '=', partner.id)
      .execute();
    const expired = await me(token.body.access_token!);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const fresh = await refresh(partner, token.body.refresh_token!);
    expect(fresh.body.expires_in).toBe(3600);
    expect((await me(fresh.body.access_token as string)).status).toBe(200);
  });
});

describe('partner limits', () => {
  it('requests refused by the per-user limit do not count toward the partner-wide ceiling', async () => {
    const { partner } = await newPartner({ rate_limit_per_user: 2, rate_limit_per_partner: 4 });
    const alice = await connect(partner);
    const bob = await connect(partner);
    const aliceStatuses = [];
    for (let index = 0; index < 6; index += 1) aliceStatuses.push((await me(alice.token)).status);
    expect(aliceStatuses).toEqual([200, 200, 429, 429, 429, 429]);
    // Alice's runaway loop used 2 of the partner's 4; Bob still gets his 2.
    expect([(await me(bob.token)).status, (await me(bob.token)).status]).toEqual([200, 200]);
  });

  it('an operator changes the limits after creation', async () => {
    const { partner } = await newPartner({ rate_limit_per_user: 1 });
    const { token } = await connect(partner);
    expect([(await me(token)).status, (await me(token)).status]).toEqual([200, 429]);
    const changed = await call(stack.api.url, `/api/admin/partners/${partner.id}`, { key: ADMIN, method: 'PATCH', body: { rate_limit_per_user: 10 } });
    expect(changed.body).toMatchObject({ rate_limit_per_user: 10, rate_limit_per_partner: 2000 });
    expect((await me(token)).status).toBe(200);
    const read = await call(stack.api.url, `/api/admin/partners/${partner.id}`, { key: ADMIN });
    expect(read.body).toMatchObject({ id: partner.id, name: 'MyCRM', rate_limit_per_user: 10, suspended_at: null });
    for (const body of [{ rate_limit_per_user: 0 }, { rate_limit_per_partner: 'many' }, { name: 'renamed' }, { access_token_ttl_seconds: 5 }]) {
      expect((await call(stack.api.url, `/api/admin/partners/${partner.id}`, { key: ADMIN, method: 'PATCH', body })).status).toBe(400);
    }
  });
});

describe('OAuth answers', () => {
  it('a 401 from the token endpoint says Basic, one from the token API says Bearer', async () => {
    const { partner } = await newPartner();
    const wrong = await raw('/api/oauth/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${partner.client_id}:psec_wrong`).toString('base64')}`,
      },
      body: 'grant_type=authorization_code&code=x&redirect_uri=x',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="relay"');
    const missing = await call(stack.api.url, '/api/oauth/me');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="relay"');
    const unknown = await me('ptok_unknown');
    expect(unknown.headers.get('www-authenticate')).toMatch(/^Bearer realm="relay", error="invalid_token"/);
  });

  it.each([
    ['bad %-encoding', Buffer.from('pcli_x%:psec_%zz').toString('base64')],
    ['bad base64', '!!!not-base64!!!'],
    ['no colon', Buffer.from('pcli_only').toString('base64')],
  ])('a malformed Basic header (%s) is 401 invalid_client', async (_name, credentials) => {
    const response = await raw('/api/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${credentials}` },
      body: 'grant_type=authorization_code&code=x&redirect_uri=x',
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('http redirect URIs are accepted only where plain-http targets are (RELAY_ALLOW_INSECURE_WEBHOOKS, on in this stack)', async () => {
    const { partner } = await newPartner({ redirect_uris: ['http://127.0.0.1:9/callback'] });
    expect(partner.client_id).toMatch(/^pcli_/);
  });
});
