import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(() => stack?.stop());

describe('/api/v1/suppressions', () => {
  it('adds, lists with search and pages, and deletes manual suppressions', async () => {
    const { key } = await createOrgWithKey(stack.db, ['send', 'read', 'suppressions']);
    for (const address of ['c@example.org', 'A@Example.org', 'b@example.org', 'other@elsewhere.test']) {
      const added = await call(stack.api.url, '/api/v1/suppressions', { key, body: { address } });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ address: address.toLowerCase(), reason: 'manual', source_email_id: null });
    }
    const search = await call(stack.api.url, '/api/v1/suppressions?search=example.org', { key });
    expect(search.body.data.map((entry: { address: string }) => entry.address)).toEqual(['a@example.org', 'b@example.org', 'c@example.org']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { address: string }[]; next_cursor: string | null } } = await call(
        stack.api.url,
        `/api/v1/suppressions?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        { key },
      );
      seen.push(...page.body.data.map((entry) => entry.address));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['a@example.org', 'b@example.org', 'c@example.org', 'other@elsewhere.test']);

    expect((await call(stack.api.url, '/api/v1/suppressions/A%40example.org', { key, method: 'DELETE' })).status).toBe(204);
    expect((await call(stack.api.url, '/api/v1/suppressions/a%40example.org', { key })).status).toBe(404);
    expect((await call(stack.api.url, '/api/v1/suppressions/a%40example.org', { key, method: 'DELETE' })).status).toBe(404);
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const { key, orgId } = await createOrgWithKey(stack.db);
    for (const body of [{ address: 'not-an-address' }, { address: 'a@example.org', reason: 'hard_bounce' }, { address: 'a@example.org', note: 'x' }, {}]) {
      const response = await call(stack.api.url, '/api/v1/suppressions', { key, body });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    expect((await call(stack.api.url, '/api/v1/suppressions?reason=spam', { key })).status).toBe(400);
    const rows = await stack.db.selectFrom('suppressions').select('address').where('org_id', '=', orgId).execute();
    expect(rows).toEqual([]);
  });

  it('lifting a suppression (a complaint, say) needs the suppressions scope: a send-only key is refused and nothing changes', async () => {
    const sender = await createOrgWithKey(stack.db, ['send', 'read']);
    await call(stack.api.url, '/api/v1/suppressions', { key: sender.key, body: { address: 'complained@example.org' } });
    const refused = await call(stack.api.url, '/api/v1/suppressions/complained%40example.org', { key: sender.key, method: 'DELETE' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("'suppressions'");
    expect((await call(stack.api.url, '/api/v1/suppressions/complained%40example.org', { key: sender.key })).status).toBe(200);
  });

  it("needs the read scope to look and the send scope to change; organizations never see each other's list", async () => {
    const alpha = await createOrgWithKey(stack.db, ['send', 'read']);
    const readOnly = await createOrgWithKey(stack.db, ['read']);
    const beta = await createOrgWithKey(stack.db, ['send', 'read', 'suppressions']);
    await call(stack.api.url, '/api/v1/suppressions', { key: alpha.key, body: { address: 'private@example.org' } });

    expect((await call(stack.api.url, '/api/v1/suppressions', { key: readOnly.key, body: { address: 'x@example.org' } })).status).toBe(403);
    expect((await call(stack.api.url, '/api/v1/suppressions', { key: beta.key })).body.data).toEqual([]);
    expect((await call(stack.api.url, '/api/v1/suppressions/private%40example.org', { key: beta.key })).status).toBe(404);
    expect((await call(stack.api.url, '/api/v1/suppressions/private%40example.org', { key: beta.key, method: 'DELETE' })).status).toBe(404);
    expect((await call(stack.api.url, '/api/v1/suppressions/private%40example.org', { key: alpha.key })).status).toBe(200);
  });
});
