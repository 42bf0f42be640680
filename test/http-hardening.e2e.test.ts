import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import express from 'express';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthRoutes } from '../src/api/health.js';
import { createDb } from '../src/db/database.js';
import { createMetrics } from '../src/observability/metrics.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { FakeHub } from './fakes/fake-hub.js';
import { call } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { trpc } from './support/trpc.js';

const SSO_SECRET = 'portal-sso-secret-hardening';
const METRICS_TOKEN = 'metrics-scrape-token-123';
const POSTMARK_TOKEN = 'postmark-secret-token-in-url';
const META_VERIFY_TOKEN = 'meta-secret-verify-token';
const hub = new FakeHub(SSO_SECRET);
const logLines: string[] = [];
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;

beforeAll(async () => {
  await hub.start();
  stack = await startStack({
    worker: false,
    logLines,
    env: {
      HUB_API_URL: hub.url,
      PORTAL_SSO_SECRET: SSO_SECRET,
      HUB_SESSION_CACHE_SECONDS: '0',
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      POSTMARK_INBOUND_TOKEN: POSTMARK_TOKEN,
      METRICS_TOKEN,
    },
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin', 'webhooks', 'suppressions']);
  expect(
    (
      await call(stack.api.url, '/api/v1/channels', {
        key: org.key,
        body: { type: 'whatsapp', address: '1555000111', secret: 'whatsapp-app-secret', verify_token: META_VERIFY_TOKEN },
      })
    ).status,
  ).toBe(201);
});
afterAll(async () => {
  await stack?.stop();
  await hub.stop();
});

const hubUser = () => ({ hubUserId: `hub-${randomBytes(4).toString('hex')}`, orgId: org.orgId, role: 'Admin' });
const raw = (path: string, init: RequestInit = {}) => fetch(`${stack.api.url}${path}`, { redirect: 'manual', ...init });

describe('secrets in URLs never reach the log', () => {
  it('redacts the Postmark token, the Meta verify token, the SSO jti and OAuth credentials from logged URLs', async () => {
    const jti = `jti-secret-${randomBytes(8).toString('hex')}`;
    await raw(`/api/webhooks/inbound-email?token=${POSTMARK_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ MessageID: randomUUID(), From: 'a@b.example', To: 'c@d.example', Subject: 's', TextBody: 't' }),
    });
    await raw(`/api/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${META_VERIFY_TOKEN}&hub.challenge=42`);
    await raw(`/api/portal/sso?jti=${jti}&return_to=/after`);
    await raw('/api/oauth/token?client_secret=psec_in_the_query', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    const everything = logLines.join('\n');
    for (const secret of [POSTMARK_TOKEN, META_VERIFY_TOKEN, jti, 'psec_in_the_query']) expect(everything).not.toContain(secret);
    const logged = logLines.map((line) => JSON.parse(line)).find((line) => line.req?.url?.startsWith('/api/webhooks/whatsapp'));
    expect(logged.req.url).toBe('/api/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=42');
  });
});

describe('Hub sign-in is bound to the browser that started it (login CSRF)', () => {
  it('signs in through the flow Relay starts, and clears the state cookie', async () => {
    const { response, cookie } = await hub.signIn(stack.api.url, hubUser());
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/after');
    expect(cookie).toBeDefined();
    expect(response.headers.get('set-cookie')).toMatch(/relay_sso_state=;/);
  });

  it("a sign-in link this browser did not start (an attacker's JTI) signs no one in: the browser starts its own sign-in instead", async () => {
    const { jti } = hub.issueJti(hubUser());
    const exchangesBefore = hub.requests.filter((request) => request.path === '/api/sso/exchange').length;
    const response = await raw(`/api/portal/sso?jti=${jti}&return_to=%2Fwebhooks`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/api/portal/login?return_to=%2Fwebhooks');
    expect(response.headers.get('set-cookie') ?? '').not.toContain('relay_session=');
    // The JTI was never exchanged: whoever it belongs to, nobody is signed in with it.
    expect(hub.requests.filter((request) => request.path === '/api/sso/exchange').length).toBe(exchangesBefore);
  });

  it('refuses a state this browser was not given, and a return from Hub without the state (no loop)', async () => {
    const { jti } = hub.issueJti(hubUser());
    const forged = await raw(`/api/portal/sso?jti=${jti}&return_to=/after&state=${'a'.repeat(43)}`, {
      headers: { cookie: `relay_sso_state=${'b'.repeat(43)}` },
    });
    expect(forged.status).toBe(403);
    expect(forged.headers.get('set-cookie') ?? '').not.toContain('relay_session=');
    const noState = await raw(`/api/portal/sso?jti=${jti}&return_to=/after`, { headers: { cookie: `relay_sso_state=${'b'.repeat(43)}` } });
    expect(noState.status).toBe(400);
  });
});

describe('malformed input never answers 500', () => {
  it.each(['relay_session=%E0%A4%A', 'relay_session=%', 'relay_sso_state=%zz; relay_session=abc'])(
    'a malformed cookie (%s) is just no session',
    async (cookie) => {
      const me = await raw('/api/trpc/session.me', { headers: { cookie } });
      expect(me.status).toBe(401);
      const logout = await raw('/api/portal/logout', { method: 'POST', headers: { cookie, 'x-relay-csrf': '1' } });
      expect(logout.status).toBe(204);
    },
  );
});

describe("tRPC errors look like the REST API's, in every mode", () => {
  it('a validation error: 400, the REST code and message, the issues as details, no stack', async () => {
    const response = await call(stack.api.url, '/api/trpc/webhooks.create', { key: org.key, body: { json: { url: 'not a url', events: ['nope'] } } });
    expect(response.status).toBe(400);
    expect(response.body.error.json).toEqual({
      message: expect.stringMatching(/^invalid input: .*events\.0: /),
      code: -32600,
      data: {
        code: 'BAD_REQUEST',
        httpStatus: 400,
        path: 'webhooks.create',
        error: {
          code: 'validation_failed',
          message: expect.stringMatching(/^invalid input: /),
          details: expect.arrayContaining([{ path: 'events.0', message: expect.any(String) }]),
        },
      },
    });
    expect(JSON.stringify(response.body)).not.toContain('stack');
  });

  it('an internal failure: 500 internal_error, never its message', async () => {
    await sql`alter table webhooks rename to webhooks_moved`.execute(stack.db);
    try {
      const response = await trpc(stack.api.url, org.key, 'webhooks.list');
      expect(response.status).toBe(500);
      const text = JSON.stringify(response.error);
      expect(response.error).toMatchObject({
        message: 'internal error',
        data: { code: 'INTERNAL_SERVER_ERROR', error: { code: 'internal_error', message: 'internal error' } },
      });
      expect(text).not.toContain('relation');
      expect(text).not.toContain('stack');
    } finally {
      await sql`alter table webhooks_moved rename to webhooks`.execute(stack.db);
    }
  });

  it('an authorization refusal keeps its message and code', async () => {
    const response = await trpc(stack.api.url, (await createOrgWithKey(stack.db, ['read'])).key, 'webhooks.list');
    expect(response.status).toBe(403);
    expect(response.error).toMatchObject({ message: "this API key lacks the 'webhooks' scope", data: { code: 'FORBIDDEN', error: { code: 'forbidden' } } });
  });
});

describe('operations endpoints tell outsiders nothing', () => {
  it('/metrics needs the METRICS_TOKEN', async () => {
    expect((await raw('/metrics')).status).toBe(401);
    expect((await raw('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const scraped = await raw('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('relay_http_requests_total');
  });

  it('/readyz says which dependency is down, never the error behind it', async () => {
    const unreachable = createDb('postgres://relay:secret-password@127.0.0.1:1/relay');
    const app = express().use(healthRoutes({ db: unreachable, temporal: stack.client, metrics: createMetrics(), metricsToken: undefined }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((listening) => server.once('listening', listening));
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', checks: { database: 'unavailable', temporal: 'ok' } });
    } finally {
      server.close();
      await unreachable.destroy();
    }
  });
});

/** Sends the headers and the first bytes of a body announced as `length` bytes, and resolves with the status the server answers before the rest is sent. */
function answerBeforeBody(path: string, headers: Record<string, string>, length: number): Promise<number> {
  return new Promise((answered, failed) => {
    const url = new URL(`${stack.api.url}${path}`);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(length), ...headers },
      },
      (res) => {
        res.resume();
        answered(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : failed(error)));
    req.write('{"address": "');
  });
}

describe('bodies are read only for authenticated callers, within the route limit', () => {
  it('an unauthenticated request is refused before its body is read', { timeout: 10_000 }, async () => {
    expect(await answerBeforeBody('/api/v1/suppressions', {}, 20 * 1024 * 1024)).toBe(401);
    expect(await answerBeforeBody('/api/v1/suppressions', { authorization: 'Bearer rk_wrong' }, 20 * 1024 * 1024)).toBe(401);
    expect(await answerBeforeBody('/api/admin/partners', { authorization: 'Bearer not-the-admin-key' }, 20 * 1024 * 1024)).toBe(401);
    expect(await answerBeforeBody('/api/trpc/webhooks.create', {}, 20 * 1024 * 1024)).toBe(401);
  });

  it('1 MB is the limit everywhere but sending', async () => {
    const big = JSON.stringify({ address: `${'a'.repeat(2 * 1024 * 1024)}@example.com` });
    const suppression = await call(stack.api.url, '/api/v1/suppressions', { key: org.key, rawBody: big });
    expect(suppression.status).toBe(413);
    expect(suppression.body.error.code).toBe('payload_too_large');
    const trpcBig = await call(stack.api.url, '/api/trpc/webhooks.create', { key: org.key, rawBody: JSON.stringify({ json: { url: big } }) });
    expect(trpcBig.status).toBe(413);
    // A send may carry 10 MB of attachments (13.4 MB in base64).
    const attachment = Buffer.alloc(5 * 1024 * 1024, 1).toString('base64');
    const send = await call(stack.api.url, '/api/v1/emails', {
      key: org.key,
      body: { from: org.sender(), to: ['b@example.com'], subject: 's', text: 't', attachments: [{ filename: 'f.bin', content: attachment }] },
    });
    expect(send.status).toBe(202);
  });
});

describe('methods a path does not have', () => {
  it('answer 405 with Allow; unknown paths stay 404', async () => {
    const trace = await raw('/api/v1/channels', { method: 'PUT', headers: { authorization: `Bearer ${org.key}` } });
    expect(trace.status).toBe(405);
    expect(trace.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(((await trace.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    const health = await raw('/healthz', { method: 'DELETE' });
    expect([health.status, health.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const webhook = await raw('/api/webhooks/ses', { method: 'GET' });
    expect([webhook.status, webhook.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await raw('/api/v1/nothing-here', { method: 'PUT' })).status).toBe(404);
  });
});
