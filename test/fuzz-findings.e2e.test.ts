// What `npm run fuzz` (schemathesis against the OpenAPI document) found, one test per
// finding: bad input gets a clear 4xx and changes nothing, never a 500 or a 2xx.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const ADMIN = 'fuzz-findings-admin-key';
let stack: Stack;
let org: { orgId: string; key: string };

beforeAll(async () => {
  stack = await startStack({ worker: false, env: { RELAY_ADMIN_KEY: ADMIN } });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin', 'webhooks', 'suppressions']);
});
afterAll(async () => {
  await stack?.stop();
});

describe('addresses that are not RFC 5321 mailboxes', () => {
  // A local part may not start or end with a dot, nor hold two in a row.
  const invalid = ['.0Z~!@2.0', 'a.@example.com', 'a..b@example.com'];

  it('are refused as suppressions, and none is stored', async () => {
    for (const address of invalid) {
      const answer = await call(stack.api.url, '/api/v1/suppressions', { key: org.key, body: { address } });
      expect([address, answer.status, answer.body.error.code]).toEqual([address, 400, 'validation_failed']);
    }
    const list = await call(stack.api.url, '/api/v1/suppressions', { key: org.key });
    expect(list.body.data).toEqual([]);
  });

  it('are refused as support addresses, and none is claimed', async () => {
    for (const address of invalid) {
      const answer = await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address } });
      expect([address, answer.status, answer.body.error.code]).toEqual([address, 400, 'validation_failed']);
    }
    const list = await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key });
    expect(list.body.data).toEqual([]);
  });

  it('still accept an ordinary address with dots and a plus', async () => {
    const answer = await call(stack.api.url, '/api/v1/suppressions', { key: org.key, body: { address: 'first.last+tag@mail.example.com' } });
    expect(answer.status).toBe(201);
  });
});

describe("an organization's limits out of the column's range", () => {
  it('answer 400 and leave the limits as they were', async () => {
    const path = `/api/admin/organizations/${org.orgId}/limits`;
    for (const body of [{ api_requests_per_second: 5e-324 }, { daily_send_quota: 2 ** 31 }]) {
      const answer = await call(stack.api.url, path, { key: ADMIN, method: 'PATCH', body });
      expect([answer.status, answer.body.error.code]).toEqual([400, 'validation_failed']);
    }
    const limits = await call(stack.api.url, path, { key: ADMIN });
    expect([limits.body.api_requests_per_second, limits.body.daily_send_quota]).toEqual([null, null]);
  });
});

describe('an operator verifying a claim id that is not a UUID', () => {
  it('answers 404, not 500', async () => {
    const answer = await call(stack.api.url, '/api/admin/commerce/accounts/null%2Cnull/verify', { key: ADMIN, method: 'POST' });
    expect([answer.status, answer.body.error.code]).toEqual([404, 'not_found']);
  });
});

/** Status and Allow of a request fetch() will not send (TRACE). */
function methodCall(path: string, method: string): Promise<[number | undefined, string | undefined]> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(`${stack.api.url}${path}`, { method, headers: { authorization: `Bearer ${org.key}` } }, (response) => {
      response.resume();
      response.on('end', () => resolve([response.statusCode, response.headers.allow]));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('a tRPC procedure asked with a method tRPC does not serve', () => {
  it('answers 405 with the method it does serve', async () => {
    for (const method of ['TRACE', 'PUT', 'DELETE', 'PATCH']) {
      expect([method, ...(await methodCall('/api/trpc/webhooks.list', method))]).toEqual([method, 405, 'GET, HEAD']);
    }
    expect(await methodCall('/api/trpc/webhooks.create', 'PUT')).toEqual([405, 'POST']);
  });
});

describe('the methods a path advertises', () => {
  it('are those of its own route, not of a parameter route it also matches', async () => {
    // /api/v1/emails/batch also matches GET /api/v1/emails/{id}; "batch" is no email.
    expect(await methodCall('/api/v1/emails/batch', 'OPTIONS')).toEqual([204, 'POST']);
    expect(await methodCall('/api/v1/emails/batch', 'PUT')).toEqual([405, 'POST']);
    expect(await methodCall('/api/v1/emails/batch', 'GET')).toEqual([405, 'POST']);
    expect(await methodCall('/api/v1/emails', 'OPTIONS')).toEqual([204, 'GET, HEAD, POST']);
  });

  it('a tRPC query posted to, or a mutation without JSON, is refused in JSON', async () => {
    expect(await methodCall('/api/trpc/webhooks.list', 'POST')).toEqual([405, 'GET, HEAD']);
    const notJson = await fetch(`${stack.api.url}/api/trpc/webhooks.delete`, { method: 'POST', headers: { authorization: `Bearer ${org.key}` } });
    expect([notJson.status, notJson.headers.get('content-type'), ((await notJson.json()) as { error: { code: string } }).error.code]).toEqual([
      415,
      'application/json; charset=utf-8',
      'unsupported_media_type',
    ]);
  });
});
