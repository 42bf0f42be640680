import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const ADMIN = 'limits-admin-key';
let stack: Stack;

beforeAll(async () => {
  // No worker: these tests are about what the API accepts.
  stack = await startStack({ worker: false, env: { RELAY_ADMIN_KEY: ADMIN } });
});
afterAll(() => stack?.stop());

const setLimits = (orgId: string, body: unknown) => call(stack.api.url, `/api/admin/organizations/${orgId}/limits`, { key: ADMIN, method: 'PATCH', body });
const message = (from: string, to: string) => ({ from, to, subject: 's', text: 't' });
const storedFor = async (orgId: string) => (await stack.db.selectFrom('emails').select('id').where('org_id', '=', orgId).execute()).length;

describe('per-organization limits', () => {
  it('holds an organization to its daily send quota with 429 and Retry-After, storing nothing past it', async () => {
    const org = await createOrgWithKey(stack.db);
    const other = await createOrgWithKey(stack.db);
    const set = await setLimits(org.orgId, { daily_send_quota: 3 });
    expect(set.body).toMatchObject({ daily_send_quota: 3, effective: { daily_send_quota: 3, api_requests_per_second: null }, accepted_today: 0 });

    const headers = { 'idempotency-key': 'first-of-the-day' };
    expect((await call(stack.api.url, '/api/v1/emails', { key: org.key, headers, body: message(org.sender(), 'a@example.org') })).status).toBe(202);
    expect((await call(stack.api.url, '/api/v1/emails', { key: org.key, body: message(org.sender(), 'b@example.org') })).status).toBe(202);
    const batch = await call(stack.api.url, '/api/v1/emails/batch', {
      key: org.key,
      body: [message(org.sender(), 'c@example.org'), message(org.sender(), 'd@example.org')],
    });
    expect(batch.status).toBe(429);
    expect(batch.body.error).toMatchObject({ code: 'rate_limited', details: { daily_send_quota: 3 } });
    const retryAfter = Number(batch.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(await storedFor(org.orgId)).toBe(2);

    expect((await call(stack.api.url, '/api/v1/emails', { key: org.key, body: message(org.sender(), 'c@example.org') })).status).toBe(202);
    const over = await call(stack.api.url, '/api/v1/emails', { key: org.key, body: message(org.sender(), 'd@example.org') });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toEqual(expect.any(String));
    // A repeat of an accepted request is its stored answer, and costs nothing.
    expect((await call(stack.api.url, '/api/v1/emails', { key: org.key, headers, body: message(org.sender(), 'a@example.org') })).status).toBe(202);
    expect(await storedFor(org.orgId)).toBe(3);
    expect((await call(stack.api.url, `/api/admin/organizations/${org.orgId}/limits`, { key: ADMIN })).body.accepted_today).toBe(3);
    // Another organization is not held back.
    expect((await call(stack.api.url, '/api/v1/emails', { key: other.key, body: message(other.sender(), 'e@example.org') })).status).toBe(202);
  });

  it('holds an organization to its API request rate with 429 and Retry-After, and lets it through again', async () => {
    const org = await createOrgWithKey(stack.db);
    const other = await createOrgWithKey(stack.db);
    // Two a second, in bursts of two.
    await setLimits(org.orgId, { api_requests_per_second: 2 });
    const burst = await Promise.all(Array.from({ length: 6 }, () => call(stack.api.url, '/api/v1/emails', { key: org.key })));
    const statuses = burst.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
    const refused = burst.find((answer) => answer.status === 429)!;
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(stack.api.url, '/api/v1/emails', { key: other.key })).status).toBe(200);
    await eventually(
      async () => ((await call(stack.api.url, '/api/v1/emails', { key: org.key })).status === 200 ? true : undefined),
      'the rate to admit again',
    );
  });

  it('refuses a request over the rate before doing anything: a send stores nothing', async () => {
    const org = await createOrgWithKey(stack.db);
    // One request every 10 seconds: the second one, right after the first, is over the rate.
    await setLimits(org.orgId, { api_requests_per_second: 0.1 });
    expect((await call(stack.api.url, '/api/v1/emails', { key: org.key })).status).toBe(200);
    const send = await call(stack.api.url, '/api/v1/emails', { key: org.key, body: message(org.sender(), 'x@example.org') });
    expect(send.status).toBe(429);
    expect(Number(send.headers.get('retry-after'))).toBeGreaterThan(5);
    expect(await storedFor(org.orgId)).toBe(0);
  });

  it('answers bad limits with 400, unknown organizations with 404, no admin key with 401, and changes nothing', async () => {
    const org = await createOrgWithKey(stack.db);
    await setLimits(org.orgId, { daily_send_quota: 10 });
    for (const body of [
      { daily_send_quota: 0 },
      { daily_send_quota: 1.5 },
      { api_requests_per_second: -1 },
      { daily_send_quota: 5, colour: 'red' },
      { daily_send_quota: '5' },
    ]) {
      const response = await setLimits(org.orgId, body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    expect((await setLimits('00000000-0000-4000-8000-000000000000', { daily_send_quota: 5 })).status).toBe(404);
    expect(
      (await call(stack.api.url, `/api/admin/organizations/${org.orgId}/limits`, { key: org.key, method: 'PATCH', body: { daily_send_quota: 99 } })).status,
    ).toBe(401);
    expect((await call(stack.api.url, `/api/admin/organizations/${org.orgId}/limits`, { key: ADMIN })).body).toMatchObject({
      daily_send_quota: 10,
      api_requests_per_second: null,
    });
    expect((await setLimits(org.orgId, { daily_send_quota: null })).body).toMatchObject({ daily_send_quota: null, effective: { daily_send_quota: null } });
  });

  it('relay orgs limits sets and shows them', async () => {
    const org = await createOrgWithKey(stack.db);
    const set = await runCli(['orgs', 'limits', '--org', org.orgId, '--daily-send-quota', '500', '--api-rate', '20', '--json'], stack.cliEnv);
    expect(set.stderr).toBe('');
    expect(JSON.parse(set.stdout)).toMatchObject({ org_id: org.orgId, daily_send_quota: 500, api_requests_per_second: 20 });
    const bad = await runCli(['orgs', 'limits', '--org', org.orgId, '--daily-send-quota', 'lots'], stack.cliEnv);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('positive integer');
  });
});
