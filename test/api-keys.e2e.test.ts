import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedApiKeyLookup, KEY_CACHE_TTL_MS, LAST_USED_RESOLUTION_MS } from '../src/auth/api-keys.js';
import { createApiKey, createOrganization, findApiKey } from '../src/auth/repository.js';
import { startApiServer, type ApiServer } from '../src/api/server.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { parseApiKey } from '../src/security/secrets.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { FakeHub } from './fakes/fake-hub.js';
import { runCli } from './support/cli.js';
import { signInAs, trpcCall } from './support/dashboard.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const SSO_SECRET = 'portal-sso-secret-api-keys';
const hub = new FakeHub(SSO_SECRET);
let stack: Stack;

beforeAll(async () => {
  await hub.start();
  stack = await startStack({
    worker: false,
    env: { HUB_API_URL: hub.url, PORTAL_SSO_SECRET: SSO_SECRET, HUB_SESSION_CACHE_SECONDS: '0', RELAY_ENCRYPTION_KEY: generateEncryptionKey() },
  });
});
afterAll(async () => {
  await stack?.stop();
  await hub.stop();
});

const idOf = (key: string) => parseApiKey(key)!.id;
/** Whether the REST API accepts `key` (a cheap read needing the read scope). */
const status = async (key: string, apiUrl = stack.api.url) => (await call(apiUrl, '/api/v1/emails?limit=1', { key })).status;

async function hubOrg(): Promise<string> {
  const org = await createOrganization(stack.db, `acme-${randomUUID().slice(0, 8)}`, randomUUID());
  return org.id;
}

describe('API keys in the dashboard', () => {
  it('an Admin creates a key and sees it whole once; the list shows who made it and never a secret', async () => {
    const orgId = await hubOrg();
    const admin = await signInAs(stack.api.url, hub, orgId, 'Admin');
    const created = await trpcCall(stack.api.url, 'apiKeys.create', { cookie: admin, mutation: true, input: { name: 'Billing', scopes: ['send', 'read'] } });
    expect(created.status).toBe(200);
    expect(created.data.key).toMatch(/^rk_[0-9a-f]{16}_/);
    expect(created.data).toMatchObject({ name: 'Billing', scopes: ['send', 'read'], revokedAt: null });
    expect(created.data.createdBy).toMatch(/^Pat Seller <hub-[0-9a-f]+@acme\.example>$/);
    expect(await status(created.data.key)).toBe(200);

    const list = await trpcCall(stack.api.url, 'apiKeys.list', { cookie: admin, input: {} });
    expect(list.data.items).toHaveLength(1);
    expect(list.data.items[0]).toMatchObject({ id: created.data.id, name: 'Billing', scopes: ['send', 'read'] });
    expect(JSON.stringify(list.data)).not.toContain(created.data.key);
    expect(list.data.items[0]).not.toHaveProperty('key');
  });

  it('a Viewer lists keys but may not create, revoke or rotate them; a key needs the admin scope', async () => {
    const orgId = await hubOrg();
    const { key: readKey } = await createApiKey(stack.db, { orgId, scopes: ['read'] });
    const viewer = await signInAs(stack.api.url, hub, orgId, 'Viewer');
    expect((await trpcCall(stack.api.url, 'apiKeys.list', { cookie: viewer, input: {} })).data.items).toHaveLength(1);
    for (const [procedure, input] of [
      ['apiKeys.create', { scopes: ['send'] }],
      ['apiKeys.revoke', { id: idOf(readKey) }],
      ['apiKeys.rotate', { id: idOf(readKey) }],
    ] as const) {
      const refused = await trpcCall(stack.api.url, procedure, { cookie: viewer, mutation: true, input });
      expect(refused.status, procedure).toBe(403);
    }
    const member = await signInAs(stack.api.url, hub, orgId, 'Member');
    expect((await trpcCall(stack.api.url, 'apiKeys.create', { cookie: member, mutation: true, input: { scopes: ['send'] } })).status).toBe(403);
    // Nothing changed: one key, still working.
    expect((await trpcCall(stack.api.url, 'apiKeys.list', { cookie: viewer, input: {} })).data.items).toHaveLength(1);
    expect(await status(readKey)).toBe(200);
    const byKey = await trpcCall(stack.api.url, 'apiKeys.list', { key: readKey, input: {} });
    expect(byKey.status).toBe(403);
    expect(byKey.error?.message).toContain("lacks the 'admin' scope");
  });

  it('refuses a key revoked in the dashboard on the very next request', async () => {
    const orgId = await hubOrg();
    const admin = await signInAs(stack.api.url, hub, orgId, 'Owner');
    const { key } = await createApiKey(stack.db, { orgId, scopes: ['read'] });
    expect(await status(key)).toBe(200);
    const revoked = await trpcCall(stack.api.url, 'apiKeys.revoke', { cookie: admin, mutation: true, input: { id: idOf(key) } });
    expect(revoked.data.revokedAt).not.toBeNull();
    expect(await status(key)).toBe(401);
    const again = await trpcCall(stack.api.url, 'apiKeys.revoke', { cookie: admin, mutation: true, input: { id: idOf(key) } });
    expect(again.status).toBe(404);
  });

  it("answers 404 for another organization's key and changes nothing", async () => {
    const mine = await hubOrg();
    const { key: theirs } = await createOrgWithKey(stack.db, ['read']);
    const admin = await signInAs(stack.api.url, hub, mine, 'Admin');
    expect((await trpcCall(stack.api.url, 'apiKeys.revoke', { cookie: admin, mutation: true, input: { id: idOf(theirs) } })).status).toBe(404);
    expect((await trpcCall(stack.api.url, 'apiKeys.rotate', { cookie: admin, mutation: true, input: { id: idOf(theirs) } })).status).toBe(404);
    expect(await status(theirs)).toBe(200);
  });
});

describe('API keys over REST', () => {
  it('creates (shown once), pages the list, rotates and revokes, with the admin scope', async () => {
    const { orgId, key: admin } = await createOrgWithKey(stack.db, ['admin']);
    const created = await call(stack.api.url, '/api/v1/api-keys', { key: admin, body: { name: 'Worker', scopes: ['send', 'read', 'send'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Worker', scopes: ['send', 'read'], created_by: `API key ${idOf(admin)}`, revoked_at: null });
    const worker: string = created.body.key;

    const first = await call(stack.api.url, '/api/v1/api-keys?limit=1', { key: admin });
    expect(first.body.data.map((k: { id: string }) => k.id)).toEqual([idOf(worker)]);
    const second = await call(stack.api.url, `/api/v1/api-keys?limit=1&cursor=${first.body.next_cursor}`, { key: admin });
    expect(second.body.data.map((k: { id: string }) => k.id)).toEqual([idOf(admin)]);
    expect(second.body.next_cursor).toBeNull();
    expect((await call(stack.api.url, '/api/v1/api-keys?cursor=bogus', { key: admin })).status).toBe(400);

    const rotated = await call(stack.api.url, `/api/v1/api-keys/${idOf(worker)}/rotate`, { key: admin, method: 'POST' });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ name: 'Worker', scopes: ['send', 'read'], replaces: idOf(worker) });
    expect(await status(worker)).toBe(401);
    expect(await status(rotated.body.key)).toBe(200);
    const old = await findApiKey(stack.db, orgId, idOf(worker));
    expect(old?.replaced_by).toBe(rotated.body.id);

    const revoked = await call(stack.api.url, `/api/v1/api-keys/${rotated.body.id}/revoke`, { key: admin, method: 'POST' });
    expect(revoked.status).toBe(200);
    expect(await status(rotated.body.key)).toBe(401);

    const refused = await call(stack.api.url, '/api/v1/api-keys', { key: rotated.body.key, body: { scopes: ['admin'] } });
    expect(refused.status).toBe(401);
    const bad = await call(stack.api.url, '/api/v1/api-keys', { key: admin, body: { scopes: [] } });
    expect(bad.status).toBe(400);
  });

  it('refuses keys without the admin scope', async () => {
    const { key } = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks']);
    expect((await call(stack.api.url, '/api/v1/api-keys', { key })).status).toBe(403);
    expect((await call(stack.api.url, '/api/v1/api-keys', { key, body: { scopes: ['admin'] } })).status).toBe(403);
  });
});

describe('revocation reaches every API process', () => {
  it('a second API process refuses a key revoked through the first', async () => {
    const { key: admin } = await createOrgWithKey(stack.db, ['admin', 'read']);
    const { key } = await call(stack.api.url, '/api/v1/api-keys', { key: admin, body: { scopes: ['read'] } }).then((r) => r.body as { key: string });
    let other: ApiServer | undefined;
    try {
      other = await startApiServer({
        config: { ...stack.config, http: { ...stack.config.http, host: '127.0.0.1', port: 0 } },
        db: stack.db,
        temporal: stack.client,
        logger: createLogger({ level: 'silent' }),
        metrics: createMetrics(),
      });
      // The other process has the key cached when it is revoked here.
      expect(await status(key, other.url)).toBe(200);
      await call(stack.api.url, `/api/v1/api-keys/${idOf(key)}/revoke`, { key: admin, method: 'POST' });
      await eventually(async () => ((await status(key, other!.url)) === 401 ? true : undefined), 'the other process to refuse the key');
    } finally {
      await other?.close();
    }
  });

  it('keeps a key row at most a second: after that the revocation is read', async () => {
    const { orgId } = await createOrgWithKey(stack.db);
    const { key } = await createApiKey(stack.db, { orgId, scopes: ['read'] });
    let clock = 1_000_000;
    const lookup = cachedApiKeyLookup(stack.db, { now: () => clock });
    expect(await lookup.find(idOf(key))).toBeDefined();
    await stack.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', idOf(key)).execute();
    clock += KEY_CACHE_TTL_MS - 1;
    expect(await lookup.find(idOf(key))).toBeDefined();
    clock += 1;
    expect(await lookup.find(idOf(key))).toBeUndefined();
    expect(KEY_CACHE_TTL_MS).toBeLessThanOrEqual(1000);
  });
});

describe('last used', () => {
  it('is recorded on use, at most once a minute', async () => {
    const { orgId } = await createOrgWithKey(stack.db);
    const { key } = await createApiKey(stack.db, { orgId, scopes: ['read'] });
    const lastUsed = async () => (await findApiKey(stack.db, orgId, idOf(key)))?.last_used_at ?? null;
    expect(await lastUsed()).toBeNull();

    let clock = Date.parse('2026-11-29T10:00:00Z');
    const lookup = cachedApiKeyLookup(stack.db, { now: () => clock });
    const use = async () => lookup.recordUse((await lookup.find(idOf(key)))!);
    await use();
    expect((await lastUsed())?.toISOString()).toBe('2026-11-29T10:00:00.000Z');
    clock += LAST_USED_RESOLUTION_MS - 1000;
    await use();
    expect((await lastUsed())?.toISOString()).toBe('2026-11-29T10:00:00.000Z');
    clock += 1000;
    await use();
    expect((await lastUsed())?.toISOString()).toBe('2026-11-29T10:01:00.000Z');

    // And through the API, without the request waiting for it.
    const { key: live } = await createApiKey(stack.db, { orgId, scopes: ['read'] });
    expect(await status(live)).toBe(200);
    await eventually(async () => (await findApiKey(stack.db, orgId, idOf(live)))?.last_used_at ?? undefined, 'last_used_at to be recorded');
  });
});

describe('relay keys', () => {
  it('lists, rotates and revokes keys', async () => {
    const { orgId } = await createOrgWithKey(stack.db, ['send']);
    const created = await runCli(['keys', 'create', '--org', orgId, '--scopes', 'read', '--name', 'cli', '--json'], stack.cliEnv);
    expect(created.code, created.stderr).toBe(0);
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };

    const listed = await runCli(['keys', 'list', '--org', orgId, '--json'], stack.cliEnv);
    const keys = JSON.parse(listed.stdout) as { id: string; created_by: string; scopes: string[] }[];
    expect(keys.map((k) => k.id)).toContain(id);
    expect(keys.find((k) => k.id === id)).toMatchObject({ created_by: 'relay keys (CLI)', scopes: ['read'] });
    expect(listed.stdout).not.toContain(key);

    const rotated = await runCli(['keys', 'rotate', id, '--json'], stack.cliEnv);
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = JSON.parse(rotated.stdout) as { key: string; replaces: string; name: string };
    expect(fresh).toMatchObject({ replaces: id, name: 'cli' });
    expect(await status(key)).toBe(401);
    expect(await status(fresh.key)).toBe(200);

    const revoked = await runCli(['keys', 'revoke', idOf(fresh.key)], stack.cliEnv);
    expect(revoked.code, revoked.stderr).toBe(0);
    // Another process (the CLI) revoked it: this API reads that within its cache second.
    await eventually(async () => ((await status(fresh.key)) === 401 ? true : undefined), 'the API to refuse the revoked key');

    const unknown = await runCli(['keys', 'revoke', 'rk_0000000000000000'], stack.cliEnv);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no active API key');
  });
});
