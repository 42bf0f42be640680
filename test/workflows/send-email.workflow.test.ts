import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Activities } from '../../src/worker/activities.js';
import { emailWorkflowId, sesTaskQueueFor } from '../../src/temporal/ids.js';
import type { SendEmailInput, SendEmailResult } from '../../src/temporal/inputs.js';
import '../support/stack.js';

const { EventType } = temporal.api.enums.v1;
type EventType = temporal.api.enums.v1.EventType;

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
    const result = await main.runUntil(
      ses.runUntil(
        client.workflow.execute('sendEmailWorkflow', {
          taskQueue,
          workflowId: emailWorkflowId(emailId),
          args: [{ orgId: 'org-1', emailId, ...input }],
        }),
      ),
    );
    const { events } = await client.workflow.getHandle(emailWorkflowId(emailId)).fetchHistory();
    return { ...(result as SendEmailResult), history: events ?? [] };
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
    expect(result).toMatchObject({ status: 'sent', sesMessageId: 'ses-1' });
    expect(calls).toEqual(['ses', 'bus:relay.email.sent']);
    // The Bus event is a local activity: one activity task (SES's) and two workflow tasks a send.
    const count = (type: EventType) => result.history.filter((event) => event.eventType === type).length;
    expect(count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(1);
    expect(count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(2);
    // Production timeouts: an attempt a dead worker left behind is retried after 10 s of silence.
    const scheduled = result.history.find((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)?.activityTaskScheduledEventAttributes;
    expect(Number(scheduled?.heartbeatTimeout?.seconds)).toBe(10);
    expect(Number(scheduled?.startToCloseTimeout?.seconds)).toBe(60);
  });

  it('replays a run recorded while Bus events were an activity of their own, as a worker upgraded mid-run must', async () => {
    // Recorded from sendEmailWorkflow before the change (fetchHistory, encoded as protobuf).
    const history = temporal.api.history.v1.History.decode(await readFile(new URL('./histories/send-email-with-bus-activity.binpb', import.meta.url)));
    expect(history.events?.filter((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toHaveLength(2);
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history)).resolves.toBeUndefined();
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
    expect(result).toMatchObject({ status: 'suppressed' });
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
