import { gzipSync } from 'node:zlib';
import { Agent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const METRICS_TOKEN = 'metrics-token-body-budget';
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;

beforeAll(async () => {
  // A budget of 1 MB: two sends of 700 KB cannot be read at once. A provider's body has 3 s to arrive.
  stack = await startStack({ worker: false, env: { API_BODY_BUDGET_MB: '1', API_PROVIDER_BODY_TIMEOUT_S: '3', METRICS_TOKEN } });
  org = await createOrgWithKey(stack.db, ['send', 'read']);
});
afterAll(async () => {
  await stack?.stop();
});

const sendBody = (subject: string) => JSON.stringify({ from: org.sender(), to: ['reader@example.com'], subject, text: 'x'.repeat(700 * 1024) });

/** A request whose headers and first `sentBytes` are on the wire; `finish` writes the rest, `abort` hangs up. */
function startSlowRequest(
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  sentBytes = body.length / 2,
): { answered: Promise<{ status: number; headers: IncomingHttpHeaders }>; finish: () => void; abort: () => void; length: number } {
  let req!: ClientRequest;
  const answered = new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
    const url = new URL(`${stack.api.url}${path}`);
    req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      },
    );
    req.on('error', reject);
    req.write(body.subarray(0, sentBytes));
  });
  return { answered, finish: () => req.end(body.subarray(sentBytes)), abort: () => req.destroy(), length: body.length };
}

/** A send whose headers and first half are on the wire. */
const startSlowSend = (subject: string) =>
  startSlowRequest('/api/v1/emails', { authorization: `Bearer ${org.key}`, 'content-type': 'application/json' }, Buffer.from(sendBody(subject)));

/** A Postmark-shaped inbound email of `bytes`, of which `sentBytes` have arrived. */
const startSlowInbound = (bytes: number, sentBytes: number) =>
  startSlowRequest(
    '/api/webhooks/inbound-email',
    { 'content-type': 'application/json', 'x-postmark-token': 'not-checked-before-the-body-arrives' },
    Buffer.from(JSON.stringify({ MessageID: 'slow', From: 'someone@example.net', TextBody: 'x'.repeat(bytes) })),
    sentBytes,
  );

const inboundCount = async () =>
  Number(
    (
      await stack.db
        .selectFrom('inbound_messages')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

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
      expect(await held.answered).toMatchObject({ status: 202 });
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
    expect(await held.answered).toMatchObject({ status: 202 });
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

describe('provider webhook bodies, read before their sender is known', () => {
  it('a provider body trickling in holds only the bytes that arrived: sends are read meanwhile', { timeout: 30_000 }, async () => {
    // It declares 900 KB of the 1 MB budget; reserved up front, that would refuse every 700 KB send.
    const trickle = startSlowInbound(900 * 1024, 16 * 1024);
    await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) > 0 ? true : undefined), 'the first bytes charged');
    expect(await gauge('relay_http_body_bytes_in_flight')).toBeLessThan(100 * 1024);

    const send = await call(stack.api.url, '/api/v1/emails', { key: org.key, rawBody: sendBody('beside a trickle') });
    expect(send.status).toBe(202);
    expect(await storedWithSubject('beside a trickle')).toBe(1);
    trickle.abort();
    await trickle.answered.catch(() => undefined);
    await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) === 0 ? true : undefined), 'the trickle released');
  });

  it(
    'a provider body not complete within API_PROVIDER_BODY_TIMEOUT_S gets a 408, its connection is closed, and nothing is stored',
    { timeout: 30_000 },
    async () => {
      const before = await inboundCount();
      const stalled = startSlowInbound(200 * 1024, 1024);
      const answer = await stalled.answered;
      expect(answer.status).toBe(408);
      expect(answer.headers.connection).toBe('close');
      await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) === 0 ? true : undefined), 'the stalled body released');
      expect(await inboundCount()).toBe(before);
    },
  );

  it('provider requests one after another on a kept-alive connection leave nothing behind on it', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    // One socket for every request; Node warns past 10 listeners of one event on it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    try {
      for (let index = 0; index < 15; index += 1) {
        const body = JSON.stringify({ MessageID: `kept-alive-${index}` });
        const status = await new Promise<number>((resolve, reject) => {
          const url = new URL(`${stack.api.url}/api/webhooks/inbound-email`);
          const req = httpRequest(
            {
              agent,
              host: url.hostname,
              port: url.port,
              path: url.pathname,
              method: 'POST',
              headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('socket', (socket) => sockets.add(socket));
          req.on('error', reject);
          req.end(body);
        });
        expect(status).toBe(401);
      }
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      agent.destroy();
      process.off('warning', onWarning);
    }
    expect(sockets.size).toBe(1);
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('a compressed provider body is refused with a 415, not unpacked', async () => {
    const before = await inboundCount();
    const packed = gzipSync(JSON.stringify({ MessageID: 'packed', From: 'someone@example.net', TextBody: 'x'.repeat(20 * 1024 * 1024) }));
    const response = await fetch(`${stack.api.url}/api/webhooks/inbound-email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: packed,
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    expect(await inboundCount()).toBe(before);
  });

  it('an OAuth form is charged as it arrives too: a stalled token request holds what it sent, then gets a 408', { timeout: 30_000 }, async () => {
    // A client's secret is inside the form, so nothing about the sender is known before it arrives.
    const form = Buffer.from(`grant_type=authorization_code&code=${'c'.repeat(8 * 1024)}`);
    const stalled = startSlowRequest('/api/oauth/token', { 'content-type': 'application/x-www-form-urlencoded' }, form, 1024);
    await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) > 0 ? true : undefined), 'the form charged');
    expect(await gauge('relay_http_body_bytes_in_flight')).toBeLessThanOrEqual(1024);
    const answer = await stalled.answered;
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) === 0 ? true : undefined), 'the form released');
  });

  it('provider bytes arriving when the budget is full get a 503 with Retry-After, and nothing is stored', { timeout: 30_000 }, async () => {
    const held = startSlowSend('holding the budget');
    await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) === held.length ? true : undefined), 'the send admitted');
    const before = await inboundCount();

    // 500 KB arriving whole: more than the 300 KB the held send leaves.
    const inbound = startSlowInbound(500 * 1024, 0);
    inbound.finish();
    const answer = await inbound.answered;
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(await inboundCount()).toBe(before);

    held.finish();
    expect(await held.answered).toMatchObject({ status: 202 });
    await eventually(async () => ((await gauge('relay_http_body_bytes_in_flight')) === 0 ? true : undefined), 'the budget released');
  });
});
