import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BusEvent, BusEventType } from '../../src/integrations/bus.js';
import type { Activities } from '../../src/worker/activities.js';
import { sesEventWorkflowId } from '../../src/temporal/ids.js';
import type { SesEventInput } from '../../src/temporal/inputs.js';
import { registerSearchAttributes } from '../../src/temporal/register-search-attributes.js';
import { RelayOrgId } from '../../src/temporal/search-attributes.js';
import '../support/stack.js';

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const busEvent = (type: BusEventType): BusEvent => ({
  id: `evt-${type}`,
  type,
  occurred_at: '2026-01-01T00:00:00.000Z',
  org_id: 'org-1',
  data: { email_id: 'email-1' },
});
const bounce = { matched: { orgId: 'org-1', emailId: 'email-1' }, eventType: 'Bounce', busEvents: [busEvent('relay.email.bounced')] };

let connection: Connection;
let client: Client;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
  // The run tags its organization once it knows it.
  await registerSearchAttributes(client, 'default');
});
afterAll(() => connection?.close());

/** Runs processSesEventWorkflow as the API starts it now, on a fresh worker with the given activities. */
async function runWorkflow(activities: Partial<Activities>) {
  const taskQueue = `wf-${randomUUID()}`;
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({ connection: native, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') }, activities });
  const snsMessageId = randomUUID();
  const input: SesEventInput = { snsMessageId, localActivities: true };
  try {
    const handle = await client.workflow.start('processSesEventWorkflow', { taskQueue, workflowId: sesEventWorkflowId(snsMessageId), args: [input] });
    const result = await worker.runUntil(handle.result());
    const { events } = await handle.fetchHistory();
    return { result, history: events ?? [], orgId: (await handle.describe()).typedSearchAttributes.get(RelayOrgId) };
  } finally {
    await native.close();
  }
}

const count = (history: HistoryEvent[], type: temporal.api.enums.v1.EventType) => history.filter((event) => event.eventType === type).length;

describe('processSesEventWorkflow', () => {
  it('applies a bounce, tags its organization and tells the Bus, all in one workflow task without an activity task or a patch', async () => {
    const calls: string[] = [];
    const { result, history, orgId } = await runWorkflow({
      async applySesNotification() {
        calls.push('apply');
        return bounce;
      },
      async checkBounceRate() {
        calls.push('bounce rate');
        return busEvent('relay.alert.bounce_rate');
      },
      async publishBusEvent(event) {
        calls.push(`bus:${event.type}`);
        return { published: true };
      },
    });
    expect(result).toEqual({ eventType: 'Bounce', matched: true });
    expect(calls).toEqual(['apply', 'bus:relay.email.bounced', 'bounce rate', 'bus:relay.alert.bounce_rate']);
    expect(orgId).toBe('org-1');
    expect(count(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
    expect(count(history, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
    // The organization only: no change-version update rides along.
    expect(count(history, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)).toBe(1);
    const markers = history.flatMap((event) => (event.markerRecordedEventAttributes ? [event.markerRecordedEventAttributes.markerName] : []));
    expect(markers).toEqual(Array(4).fill('core_local_activity'));
  });

  it('rides out the database failing the first attempts: the event is applied, not dropped', async () => {
    let attempts = 0;
    const { result } = await runWorkflow({
      async applySesNotification() {
        attempts += 1;
        if (attempts < 3) throw new Error('connection terminated unexpectedly');
        return { matched: bounce.matched, eventType: 'Delivery', busEvents: [] };
      },
    });
    expect(result).toEqual({ eventType: 'Delivery', matched: true });
    expect(attempts).toBe(3);
  });

  it('fails the run when its stored notification is gone, without retrying', async () => {
    let attempts = 0;
    await expect(
      runWorkflow({
        async applySesNotification() {
          attempts += 1;
          throw ApplicationFailure.nonRetryable('no SNS notification', 'NotificationNotFound');
        },
      }),
    ).rejects.toThrow(/Workflow execution failed/);
    expect(attempts).toBe(1);
  });

  it('replays a run recorded while SES events were applied by activity tasks, as a worker upgraded mid-run must', async () => {
    // Recorded from processSesEventWorkflow before the change (a bounce with an alert; fetchHistory, encoded as protobuf).
    const history = temporal.api.history.v1.History.decode(await readFile(new URL('./histories/ses-event-with-activities.binpb', import.meta.url)));
    expect(count(history.events ?? [], EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(2);
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history)).resolves.toBeUndefined();
  });
});
