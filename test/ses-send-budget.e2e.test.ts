import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSes } from './fakes/fake-ses.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;
let ses: FakeSes;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;

beforeAll(async () => {
  ses = await new FakeSes().start();
  // A send budget of 1 MB: two stored messages of 700 KB cannot be sent at once.
  stack = await startStack({ env: { SES_ENDPOINT: ses.url, WORKER_SEND_BUDGET_MB: '1' } });
  org = await createOrgWithKey(stack.db);
});
afterAll(async () => {
  await stack?.stop();
  await ses?.stop();
});
beforeEach(() => {
  // SES holds each call long enough for the sends the rate lets through to overlap.
  ses.answerAfterMs = 1_500;
  ses.mostInFlight = 0;
  ses.requests.length = 0;
});

async function sendAll(count: number, text: string): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      call(stack.api.url, '/api/v1/emails', { key: org.key, body: { from: org.sender(), to: [`r${index}@example.com`], subject: `s${index}`, text } }),
    ),
  );
  expect(answers.map((answer) => answer.status)).toEqual(Array(count).fill(202));
  await eventually(async () => (ses.sendCalls.length === count && ses.inFlight === 0 ? true : undefined), `${count} sends answered`);
}

describe('the stored bytes one worker sends at once stay within WORKER_SEND_BUDGET_MB', () => {
  it('large messages take turns: each is sent, one at a time', { timeout: 60_000 }, async () => {
    await sendAll(3, 'x'.repeat(700 * 1024));
    expect(ses.mostInFlight).toBe(1);
  });

  it('small messages share the budget and are sent side by side', { timeout: 60_000 }, async () => {
    await sendAll(3, 'hello');
    expect(ses.mostInFlight).toBeGreaterThan(1);
  });
});
