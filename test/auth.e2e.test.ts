import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const message = { from: 'a@example.com', to: 'b@example.org', subject: 'hi', text: 'body' };

describe('API keys and scopes', () => {
  it('answers 401 without a key, with a malformed key and with an unknown key', async () => {
    const { key } = await createOrgWithKey(stack.db);
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const attempt of [undefined, 'not-a-key', forged]) {
      const response = await call(stack.api.url, '/api/v1/emails', { key: attempt, body: message });
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('unauthorized');
    }
  });

  it('answers 403 when the key lacks the scope', async () => {
    const readOnly = await createOrgWithKey(stack.db, ['read']);
    const sendOnly = await createOrgWithKey(stack.db, ['send']);
    const send = await call(stack.api.url, '/api/v1/emails', { key: readOnly.key, body: message });
    expect(send.status).toBe(403);
    expect(send.body.error.message).toContain("'send'");
    expect((await call(stack.api.url, '/api/v1/emails', { key: sendOnly.key })).status).toBe(403);
    const rows = await stack.db.selectFrom('emails').select('id').where('org_id', '=', readOnly.orgId).execute();
    expect(rows).toEqual([]);
  });

  it("never shows one organization another organization's email", async () => {
    const alpha = await createOrgWithKey(stack.db);
    const beta = await createOrgWithKey(stack.db);
    const sent = await call(stack.api.url, '/api/v1/emails', { key: alpha.key, body: { ...message, from: alpha.sender() } });
    await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/v1/emails/${sent.body.id}`, { key: alpha.key });
      return body.status === 'sent' ? true : undefined;
    }, 'the email to be sent');

    const peek = await call(stack.api.url, `/api/v1/emails/${sent.body.id}`, { key: beta.key });
    expect(peek.status).toBe(404);
    expect(peek.body.error.code).toBe('not_found');
    expect((await call(stack.api.url, '/api/v1/emails', { key: beta.key })).body.data).toEqual([]);
    expect((await call(stack.api.url, '/api/v1/emails', { key: alpha.key })).body.data.map((email: { id: string }) => email.id)).toEqual([sent.body.id]);
  });

  it('answers unknown routes and ids with a JSON 404', async () => {
    const { key } = await createOrgWithKey(stack.db);
    const unknownRoute = await call(stack.api.url, '/api/v1/nothing-here', { key });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.body.error.code).toBe('not_found');
    expect((await call(stack.api.url, '/api/v1/emails/not-a-uuid', { key })).status).toBe(404);
    // 36 characters that only look like a uuid never reach PostgreSQL (which would answer 500).
    const dashes = '-'.repeat(36);
    expect((await call(stack.api.url, `/api/v1/emails/${dashes}`, { key })).status).toBe(404);
    expect(
      (await call(stack.api.url, `/api/v1/emails?cursor=${Buffer.from(JSON.stringify([new Date().toISOString(), dashes])).toString('base64url')}`, { key }))
        .status,
    ).toBe(400);
  });
});
