import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually } from './support/http.js';
import { sesEmailsTo } from './support/ses-store.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;
let key: string;
let orgId: string;
let domain: string;

beforeAll(async () => {
  stack = await startStack();
  ({ key, orgId, domain } = await createOrgWithKey(stack.db));
});
afterAll(() => stack?.stop());

const message = (to: string, subject = 'hello', from = `a@${domain}`) => ({ from, to, subject, text: 'body' });

async function emailRows() {
  return stack.db.selectFrom('emails').select(['id', 'status']).where('org_id', '=', orgId).execute();
}

async function sentOnce(to: string) {
  await eventually(async () => ((await sesEmailsTo(stack.sesUrl, to)).length > 0 ? true : undefined), `mail to ${to}`);
  // Every workflow of the org has finished before we count: nothing is still on its way.
  await eventually(async () => ((await emailRows()).every((row) => row.status !== 'queued') ? true : undefined), 'no queued email');
  return (await sesEmailsTo(stack.sesUrl, to)).length;
}

describe('Idempotency-Key', () => {
  it('answers a repeated request with the first answer and sends once', async () => {
    const headers = { 'idempotency-key': 'order-1001-confirmation' };
    const first = await call(stack.api.url, '/api/v1/emails', { key, headers, body: message('idem-repeat@example.org') });
    const second = await call(stack.api.url, '/api/v1/emails', { key, headers, body: message('idem-repeat@example.org') });

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(await sentOnce('idem-repeat@example.org')).toBe(1);
  });

  it('refuses the same key with a different body with 409 and stores nothing', async () => {
    const headers = { 'idempotency-key': 'order-1002' };
    await call(stack.api.url, '/api/v1/emails', { key, headers, body: message('idem-conflict@example.org') });
    const before = await emailRows();
    const conflict = await call(stack.api.url, '/api/v1/emails', { key, headers, body: message('idem-conflict@example.org', 'changed') });

    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('idempotency_key_conflict');
    expect(await emailRows()).toHaveLength(before.length);
  });

  it('sends once when identical requests race', async () => {
    const headers = { 'idempotency-key': 'race-1' };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call(stack.api.url, '/api/v1/emails', { key, headers, body: message('idem-race@example.org') })),
    );
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([202]));
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect(await sentOnce('idem-race@example.org')).toBe(1);
  });

  it('keys are per organization: another org may use the same key', async () => {
    const other = await createOrgWithKey(stack.db);
    const headers = { 'idempotency-key': 'shared-key' };
    const mine = await call(stack.api.url, '/api/v1/emails', { key, headers, body: message('idem-org-a@example.org') });
    const theirs = await call(stack.api.url, '/api/v1/emails', {
      key: other.key,
      headers,
      body: message('idem-org-b@example.org', 'hello', other.sender('a')),
    });
    expect(mine.status).toBe(202);
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('makes a batch idempotent as a whole', async () => {
    const headers = { 'idempotency-key': 'batch-1' };
    const body = [message('idem-batch-1@example.org'), message('idem-batch-2@example.org')];
    const first = await call(stack.api.url, '/api/v1/emails/batch', { key, headers, body });
    const second = await call(stack.api.url, '/api/v1/emails/batch', { key, headers, body });
    expect(second.body).toEqual(first.body);
    expect(await sentOnce('idem-batch-1@example.org')).toBe(1);
    expect(await sentOnce('idem-batch-2@example.org')).toBe(1);
  });

  it('starts a new request once the key is older than 24 hours', async () => {
    const headers = { 'idempotency-key': 'old-key' };
    const first = await call(stack.api.url, '/api/v1/emails', { key, headers, body: message('idem-old@example.org') });
    await stack.db
      .updateTable('idempotency_keys')
      .set({ created_at: new Date(Date.now() - 25 * 3600 * 1000) })
      .where('org_id', '=', orgId)
      .where('key', '=', 'old-key')
      .execute();
    const second = await call(stack.api.url, '/api/v1/emails', { key, headers, body: message('idem-old@example.org', 'a new day') });
    expect(second.status).toBe(202);
    expect(second.body.id).not.toBe(first.body.id);
  });
});
