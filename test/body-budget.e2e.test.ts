import { request as httpRequest, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const METRICS_TOKEN = 'metrics-token-body-budget';
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;

beforeAll(async () => {
  // A budget of 1 MB: two sends of 700 KB cannot be read at once.
  stack = await startStack({ worker: false, env: { API_BODY_BUDGET_MB: '1', METRICS_TOKEN } });
  org = await createOrgWithKey(stack.db, ['send', 'read']);
});
afterAll(async () => {
  await stack?.stop();
});

const sendBody = (subject: string) => JSON.stringify({ from: org.sender(), to: ['reader@example.com'], subject, text: 'x'.repeat(700 * 1024) });

/** A send whose headers and first half are on the wire; the rest is written by `finish`. */
function startSlowSend(subject: string): { answered: Promise<number>; finish: () => void; length: number } {
  const body = Buffer.from(sendBody(subject));
  let req!: ClientRequest;
  const answered = new Promise<number>((resolve, reject) => {
    const url = new URL(`${stack.api.url}/api/v1/emails`);
    req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { authorization: `Bearer ${org.key}`, 'content-type': 'application/json', 'content-length': String(body.length) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.write(body.subarray(0, body.length / 2));
  });
  return { answered, finish: () => req.end(body.subarray(body.length / 2)), length: body.length };
}

async function gauge(name: string): Promise<number> {
  const text = await fetch(`${stack.api.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((r) => r.text());
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

const storedWithSubject = async (subject: string) =>
  (await stack.db.selectFrom('emails').select('id').where('org_id', '=', org.orgId).where('subject', '=', subject).execute()).length;

describe('request bodies read at once stay within API_BODY_BUDGET_MB', () => {
  it(
    'a send finding no room waits, then gets a 503 with Retry-After and stores nothing; it goes through once the budget is free',
    { timeout: 30_000 },
    async () => {
      const held = startSlowSend('held');
      await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) === held.length ? true : undefined), 'the held send admitted');

      const refused = await call(stack.api.url, '/api/v1/emails', { key: org.key, rawBody: sendBody('refused') });
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('service_unavailable');
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await storedWithSubject('refused')).toBe(0);

      held.finish();
      expect(await held.answered).toBe(202);
      await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) === 0 ? true : undefined), 'the budget released');
      const retried = await call(stack.api.url, '/api/v1/emails', { key: org.key, rawBody: sendBody('refused') });
      expect(retried.status).toBe(202);
      expect(await storedWithSubject('refused')).toBe(1);
    },
  );

  it('a send waiting for room is read as soon as the one ahead of it finishes', { timeout: 30_000 }, async () => {
    const held = startSlowSend('ahead');
    await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) === held.length ? true : undefined), 'the first send admitted');
    const queued = call(stack.api.url, '/api/v1/emails', { key: org.key, rawBody: sendBody('queued') });
    await eventually(async () => ((await gauge('relay_http_body_bytes_waiting')) > 0 ? true : undefined), 'the second send waiting');

    held.finish();
    expect(await held.answered).toBe(202);
    expect((await queued).status).toBe(202);
    expect(await storedWithSubject('queued')).toBe(1);
  });

  it('small bodies share the budget: many at once all go through', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        call(stack.api.url, '/api/v1/emails', { key: org.key, body: { from: org.sender(), to: ['r@example.com'], subject: `small ${index}`, text: 'hi' } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(202));
  });
});
