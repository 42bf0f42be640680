import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Activities } from '../../src/worker/activities.js';
import { emailWorkflowId, sesTaskQueueFor } from '../../src/temporal/ids.js';
import type { SendEmailInput } from '../../src/temporal/inputs.js';
import '../support/stack.js';

const sentEvent = { id: 'evt-1', type: 'relay.email.sent' as const, occurred_at: '2026-01-01T00:00:00.000Z', org_id: 'org-1', data: {} };

let connection: Connection;
let client: Client;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});
afterAll(() => connection?.close());

/** Runs sendEmailWorkflow on a fresh worker pair with the given activity implementations. */
async function runWorkflow(activities: Partial<Activities>, input: Partial<SendEmailInput> = {}) {
  const taskQueue = `wf-${randomUUID()}`;
  const { NativeConnection } = await import('@temporalio/worker');
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const main = await Worker.create({ connection: native, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') }, activities });
  const ses = await Worker.create({ connection: native, taskQueue: sesTaskQueueFor(taskQueue), activities });
  const emailId = randomUUID();
  try {
    return await main.runUntil(
      ses.runUntil(
        client.workflow.execute('sendEmailWorkflow', {
          taskQueue,
          workflowId: emailWorkflowId(emailId),
          args: [{ orgId: 'org-1', emailId, ...input }],
        }),
      ),
    );
  } finally {
    await native.close();
  }
}

describe('sendEmailWorkflow', () => {
  it('sends through the SES queue, tells the Bus, and returns the SES message id', async () => {
    const calls: string[] = [];
    const result = await runWorkflow({
      async sendEmailViaSes() {
        calls.push('ses');
        return { outcome: 'sent', sesMessageId: 'ses-1', busEvent: sentEvent };
      },
      async publishBusEvent(event) {
        calls.push(`bus:${event.type}`);
        return { published: true };
      },
      async recordEmailFailed() {
        calls.push('failed');
      },
    });
    expect(result).toEqual({ status: 'sent', sesMessageId: 'ses-1' });
    expect(calls).toEqual(['ses', 'bus:relay.email.sent']);
  });

  it('ends a fully suppressed email without a Bus event', async () => {
    const calls: string[] = [];
    const result = await runWorkflow({
      async sendEmailViaSes() {
        calls.push('ses');
        return { outcome: 'suppressed' };
      },
      async publishBusEvent() {
        calls.push('bus');
        return { published: true };
      },
    });
    expect(result).toEqual({ status: 'suppressed' });
    expect(calls).toEqual(['ses']);
  });

  it('records a permanent SES rejection once and fails the run', async () => {
    const reasons: string[] = [];
    let attempts = 0;
    const run = runWorkflow({
      async sendEmailViaSes() {
        attempts += 1;
        throw ApplicationFailure.nonRetryable('SES rejected the message: MessageRejected', 'SesRejected');
      },
      async recordEmailFailed({ reason }) {
        reasons.push(reason);
      },
    });
    await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(attempts).toBe(1);
    expect(reasons).toEqual(['SES rejected the message: MessageRejected']);
  });

  it('marks a replayed run before sending again', async () => {
    const calls: string[] = [];
    await runWorkflow(
      {
        async recordEmailReplayed({ replayOfRunId }) {
          calls.push(`replayed:${replayOfRunId}`);
        },
        async sendEmailViaSes() {
          calls.push('ses');
          return { outcome: 'sent', sesMessageId: 'ses-2', busEvent: sentEvent };
        },
        async publishBusEvent() {
          return { published: true };
        },
      },
      { replayOf: { runId: 'run-0' } },
    );
    expect(calls).toEqual(['replayed:run-0', 'ses']);
  });
});
