import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emailWorkflowId } from '../src/temporal/ids.js';
import { FakeSes } from './fakes/fake-ses.js';
import { runCli } from './support/cli.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;
let ses: FakeSes;
let key: string;
let domain: string;

beforeAll(async () => {
  ses = await new FakeSes().start();
  stack = await startStack({ env: { SES_ENDPOINT: ses.url } });
  ({ key, domain } = await createOrgWithKey(stack.db));
});
afterAll(async () => {
  await stack?.stop();
  await ses?.stop();
});
beforeEach(() => {
  ses.throttleNext = 0;
  ses.rejectWith = undefined;
  ses.answerAfterMs = 0;
  ses.requests.length = 0;
});

const send = (to: string) => call(stack.api.url, '/api/v1/emails', { key, body: { from: `a@${domain}`, to, subject: 's', text: 't' } });

async function finalEmail(id: string) {
  return eventually(async () => {
    const { body } = await call(stack.api.url, `/api/v1/emails/${id}`, { key });
    return body.status === 'queued' ? undefined : body;
  }, `email ${id} to leave queued`);
}

describe('SES failures', () => {
  it('ends a permanently rejected message failed, with the reason, after one call', async () => {
    ses.rejectWith = 'MessageRejected';
    const { body } = await send('rejected@example.org');
    const email = await finalEmail(body.id);

    expect(email.status).toBe('failed');
    expect(email.failure_reason).toContain('MessageRejected');
    expect(email.events.map((event: { type: string }) => event.type)).toEqual(['queued', 'failed']);
    const handle = stack.client.workflow.getHandle(emailWorkflowId(body.id));
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('FAILED');
    expect(ses.sendCalls).toHaveLength(1);
  });

  it('waits for an SES answer slower than the heartbeat timeout and sends once: the attempt heartbeats while it waits', async () => {
    ses.answerAfterMs = 12_000;
    const { body } = await send('slow-answer@example.org');
    const email = await finalEmail(body.id);

    expect(email.status).toBe('sent');
    expect(ses.sendCalls).toHaveLength(1);
  });

  it('retries SES throttling until the message is accepted', async () => {
    ses.throttleNext = 2;
    const { body } = await send('throttled@example.org');
    const email = await finalEmail(body.id);

    expect(email.status).toBe('sent');
    expect(email.ses_message_id).toMatch(/^fake-/);
    expect(ses.sendCalls).toHaveLength(3);
    const outcomes = (await stack.metrics.sesSends.get()).values;
    expect(outcomes.find((value) => value.labels.outcome === 'retryable_error')?.value).toBe(2);
  });

  it('relay replay sends a failed email again with its original input and records the replay', async () => {
    ses.rejectWith = 'MailFromDomainNotVerifiedException';
    const { body } = await send('replayed@example.org');
    expect((await finalEmail(body.id)).status).toBe('failed');

    ses.rejectWith = undefined;
    const replay = await runCli(['replay', emailWorkflowId(body.id), '--json'], stack.cliEnv);
    expect(replay.stderr).toBe('');
    expect(JSON.parse(replay.stdout)).toMatchObject({ workflow_id: emailWorkflowId(body.id), run_id: expect.any(String) });

    const email = await eventually(async () => {
      const { body: current } = await call(stack.api.url, `/api/v1/emails/${body.id}`, { key });
      return current.status === 'sent' ? current : undefined;
    }, 'the replayed email to be sent');
    expect(email.events.map((event: { type: string }) => event.type)).toEqual(['queued', 'failed', 'replayed', 'sent']);
    expect(ses.sendCalls.map((call) => call.Destination?.ToAddresses)).toEqual([['replayed@example.org'], ['replayed@example.org']]);

    // A completed workflow is not replayed: that would be a second send.
    const again = await runCli(['replay', emailWorkflowId(body.id)], stack.cliEnv);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('COMPLETED');
    expect(ses.sendCalls).toHaveLength(2);
  });
});
