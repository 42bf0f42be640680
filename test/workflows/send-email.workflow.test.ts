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

  describe('started to send at once when no send is queued ahead', () => {
    const atOnce = { sendPath: 'at-once-when-idle', contentBytes: 200 } as const;
    const count = (history: Awaited<ReturnType<typeof runWorkflow>>['history'], type: EventType) => history.filter((event) => event.eventType === type).length;

    it('sends inside its first workflow task: no activity task, no patch marker, one workflow task', async () => {
      const calls: string[] = [];
      const result = await runWorkflow(
        {
          async sendEmailAtOnceIfIdle() {
            calls.push('at once');
            return { outcome: 'sent', sesMessageId: 'ses-3', busEvent: sentEvent };
          },
          async sendEmailViaSes() {
            calls.push('queue');
            return { outcome: 'sent', sesMessageId: 'ses-4', busEvent: sentEvent };
          },
          async publishBusEvent(event) {
            calls.push(`bus:${event.type}`);
            return { published: true };
          },
        },
        atOnce,
      );
      expect(result).toMatchObject({ status: 'sent', sesMessageId: 'ses-3' });
      expect(calls).toEqual(['at once', 'bus:relay.email.sent']);
      expect(count(result.history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
      expect(count(result.history, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
      expect(count(result.history, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)).toBe(0);
      const markers = result.history.flatMap((event) => (event.markerRecordedEventAttributes ? [event.markerRecordedEventAttributes.markerName] : []));
      expect(markers).toEqual(['core_local_activity', 'core_local_activity']);
    });

    it('still ends sent when the Bus refuses its event for good: the event is given up, never the send', async () => {
      const result = await runWorkflow(
        {
          async sendEmailAtOnceIfIdle() {
            return { outcome: 'sent', sesMessageId: 'ses-8', busEvent: sentEvent };
          },
          async publishBusEvent() {
            throw ApplicationFailure.nonRetryable('the Bus refused the event', 'BusRefused');
          },
        },
        atOnce,
      );
      expect(result).toMatchObject({ status: 'sent', sesMessageId: 'ses-8' });
    });

    it('waits its turn on the SES queue, with its priority, when sends are queued ahead', async () => {
      const calls: string[] = [];
      const result = await runWorkflow(
        {
          async sendEmailAtOnceIfIdle() {
            calls.push('at once');
            return { outcome: 'queued' };
          },
          async sendEmailViaSes() {
            calls.push('queue');
            return { outcome: 'sent', sesMessageId: 'ses-5', busEvent: sentEvent };
          },
          async publishBusEvent() {
            return { published: true };
          },
        },
        { ...atOnce, priority: 'high' },
      );
      expect(result).toMatchObject({ status: 'sent', sesMessageId: 'ses-5' });
      expect(calls).toEqual(['at once', 'queue']);
      const scheduled = result.history.find((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)?.activityTaskScheduledEventAttributes;
      expect(scheduled?.activityType?.name).toBe('sendEmailViaSes');
      expect(scheduled?.priority).toMatchObject({ priorityKey: 1, fairnessKey: 'org-1' });
    });

    it('retries on the SES queue what failed at once for a passing reason (throttling), and fails a rejection without it', async () => {
      const calls: string[] = [];
      const throttled = await runWorkflow(
        {
          async sendEmailAtOnceIfIdle() {
            calls.push('at once');
            throw ApplicationFailure.retryable('Maximum sending rate exceeded.', 'TooManyRequestsException');
          },
          async sendEmailViaSes() {
            calls.push('queue');
            return { outcome: 'sent', sesMessageId: 'ses-6', busEvent: sentEvent };
          },
          async publishBusEvent() {
            return { published: true };
          },
        },
        atOnce,
      );
      expect(throttled).toMatchObject({ status: 'sent', sesMessageId: 'ses-6' });
      expect(calls).toEqual(['at once', 'queue']);

      const reasons: string[] = [];
      const rejected = runWorkflow(
        {
          async sendEmailAtOnceIfIdle() {
            throw ApplicationFailure.nonRetryable('SES rejected the message: MessageRejected', 'SesRejected');
          },
          async sendEmailViaSes() {
            reasons.push('queue');
            return { outcome: 'sent', sesMessageId: 'ses-7', busEvent: sentEvent };
          },
          async recordEmailFailed({ reason }) {
            reasons.push(reason);
          },
        },
        atOnce,
      );
      await expect(rejected).rejects.toBeInstanceOf(WorkflowFailedError);
      expect(reasons).toEqual(['SES rejected the message: MessageRejected']);
    });
  });
});
