import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ATTACHMENT_BYTES } from '../src/emails/schemas.js';
import { call } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;
let key: string;
let orgId: string;

beforeAll(async () => {
  stack = await startStack();
  ({ key, orgId } = await createOrgWithKey(stack.db, ['send', 'read'], { domain: 'example.com' }));
});
afterAll(() => stack?.stop());

const valid = { from: 'a@example.com', to: 'b@example.org', subject: 'hi', text: 'body' };
const addresses = (count: number) => Array.from({ length: count }, (_, index) => `r${index}@example.org`);

async function storedForOrg(): Promise<number> {
  const emails = await stack.db
    .selectFrom('emails')
    .select(({ fn }) => fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  const keys = await stack.db
    .selectFrom('idempotency_keys')
    .select(({ fn }) => fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(emails.n) + Number(keys.n);
}

async function workflowsForOrg(): Promise<number> {
  const { count } = await stack.client.workflow.count(`RelayOrgId = "${orgId}"`);
  return count;
}

type Case = [name: string, request: { path?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }, status: number, code: string];

const cases: Case[] = [
  ['malformed JSON', { rawBody: '{"from": "a@example.com",' }, 400, 'invalid_json'],
  ['a body that is not JSON', { rawBody: 'from=a', headers: { 'content-type': 'text/plain' } }, 400, 'validation_failed'],
  ['an unknown field', { body: { ...valid, urgency: 'high' } }, 400, 'validation_failed'],
  ['an unknown priority', { body: { ...valid, priority: 'urgent' } }, 400, 'validation_failed'],
  ['a bad recipient address', { body: { ...valid, to: 'not-an-address' } }, 400, 'validation_failed'],
  ['a bad sender address', { body: { ...valid, from: 'Relay <relay@>' } }, 400, 'validation_failed'],
  ['no html and no text', { body: { from: valid.from, to: valid.to, subject: 'hi' } }, 400, 'validation_failed'],
  ['no subject', { body: { ...valid, subject: '' } }, 400, 'validation_failed'],
  ['a subject with a line break (header injection)', { body: { ...valid, subject: 'hi\r\nBcc: victim@example.org' } }, 400, 'validation_failed'],
  ['a header Relay owns', { body: { ...valid, headers: { From: 'spoof@example.org' } } }, 400, 'validation_failed'],
  ['a header SES sets', { body: { ...valid, headers: { 'X-SES-CONFIGURATION-SET': 'someone-elses' } } }, 400, 'validation_failed'],
  ['a Return-Path', { body: { ...valid, headers: { 'Return-Path': 'bounces@example.org' } } }, 400, 'validation_failed'],
  ['a From on a domain the organization has not verified', { body: { ...valid, from: 'ceo@bank.example' } }, 403, 'sender_not_verified'],
  ['a look-alike of the verified domain', { body: { ...valid, from: 'a@evilexample.com' } }, 403, 'sender_not_verified'],
  ['a batch whose every sender is unverified', { path: '/api/v1/emails/batch', body: [{ ...valid, from: 'a@bank.example' }] }, 403, 'sender_not_verified'],
  ['a tag SES cannot carry', { body: { ...valid, tags: { 'has space': 'x' } } }, 400, 'validation_failed'],
  ['51 recipients', { body: { ...valid, to: addresses(30), cc: addresses(20), bcc: ['x@example.org'] } }, 400, 'validation_failed'],
  ['an attachment that is not base64', { body: { ...valid, attachments: [{ filename: 'a.txt', content: 'not base64!' }] } }, 400, 'validation_failed'],
  [
    'attachments over 10 MB',
    { body: { ...valid, attachments: [{ filename: 'big.bin', content: Buffer.alloc(MAX_ATTACHMENT_BYTES + 3).toString('base64') }] } },
    413,
    'payload_too_large',
  ],
  ['a body over the request limit', { rawBody: JSON.stringify({ ...valid, text: 'x'.repeat(21 * 1024 * 1024) }) }, 413, 'payload_too_large'],
  ['an Idempotency-Key with control characters', { body: valid, headers: { 'idempotency-key': 'a b' } }, 400, 'validation_failed'],
  ['a batch that is not a list', { path: '/api/v1/emails/batch', body: valid }, 400, 'validation_failed'],
  ['a batch of 101', { path: '/api/v1/emails/batch', body: Array.from({ length: 101 }, () => valid) }, 400, 'validation_failed'],
  ['a batch with no valid message', { path: '/api/v1/emails/batch', body: [{ ...valid, to: 'bad' }] }, 400, 'validation_failed'],
];

describe('bad input to the send API', () => {
  it.each(cases.map(([name, request, status, code]) => ({ name, request, status, code })))(
    '$name → $status $code, and nothing is stored or started',
    async ({ request, status, code }) => {
      const response = await call(stack.api.url, request.path ?? '/api/v1/emails', { key, method: 'POST', ...request });
      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe(code);
      expect(response.body.error.message).toEqual(expect.any(String));
      expect(await storedForOrg()).toBe(0);
      expect(await workflowsForOrg()).toBe(0);
    },
  );

  it('names every problem in the details', async () => {
    const response = await call(stack.api.url, '/api/v1/emails', { key, body: { from: 'nope', to: [], subject: 'x', text: 't', extra: 1 } });
    const paths = response.body.error.details.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['from', 'to']));
    expect(response.body.error.details.some((issue: { message: string }) => issue.message.includes('extra'))).toBe(true);
  });
});
