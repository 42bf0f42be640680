import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import type { BusEvent, BusEventType } from '../../src/integrations/bus.js';
import type { Activities } from '../../src/worker/activities.js';
import type { ChannelMessageInput, CommerceEventInput, ProcessInboundInput, SesEventInput } from '../../src/temporal/inputs.js';
import { RelayOrgId } from '../../src/temporal/search-attributes.js';
import '../support/stack.js';
import { temporalClientForFile } from './temporal-client.js';

// The workflows that apply what providers sent (SES events, inbound mail, channel
// messages, commerce events), started as the API and the sweep start them now: with
// `localActivities`.

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const busEvent = (type: BusEventType): BusEvent => ({ id: `evt-${type}`, type, occurred_at: '2026-01-01T00:00:00.000Z', org_id: 'org-1', data: {} });
const bounce = { matched: { orgId: 'org-1', emailId: 'email-1' }, eventType: 'Bounce', busEvents: [busEvent('relay.email.bounced')] };

const client = temporalClientForFile();

/** Runs one workflow on a fresh worker with the given activities; the fan-outs it starts are recorded, as the events' ids. */
async function run(
  workflowType: string,
  input: SesEventInput | ProcessInboundInput | ChannelMessageInput | CommerceEventInput,
  activities: Partial<Activities>,
) {
  const taskQueue = `wf-${randomUUID()}`;
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const fanOuts: string[] = [];
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: {
      async startWebhookFanOuts({ eventIds }: { eventIds: string[] }) {
        fanOuts.push(...eventIds);
      },
      ...activities,
    },
  });
  try {
    const handle = await client().workflow.start(workflowType, { taskQueue, workflowId: `received-${randomUUID()}`, args: [input] });
    const result = await worker.runUntil(handle.result());
    const history = (await handle.fetchHistory()).events ?? [];
    return { result, history, fanOuts, orgId: (await handle.describe()).typedSearchAttributes.get(RelayOrgId) };
  } finally {
    await native.close();
  }
}

const count = (history: HistoryEvent[], type: temporal.api.enums.v1.EventType) => history.filter((event) => event.eventType === type).length;
const markers = (history: HistoryEvent[]) =>
  history.flatMap((event) => (event.markerRecordedEventAttributes ? [event.markerRecordedEventAttributes.markerName] : []));

describe('SES events, applied by local activities', () => {
  const event = (): SesEventInput => ({ snsMessageId: randomUUID(), localActivities: true });

  it('applies a bounce, tags its organization and tells the Bus, all in one workflow task without an activity task or a patch', async () => {
    const calls: string[] = [];
    const { result, history, orgId } = await run('processSesEventWorkflow', event(), {
      async applySesNotification() {
        calls.push('apply');
        return bounce;
      },
      async checkBounceRate() {
        calls.push('bounce rate');
        return busEvent('relay.alert.bounce_rate');
      },
      async publishBusEvent(published) {
        calls.push(`bus:${published.type}`);
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
    expect(markers(history)).toEqual(Array(4).fill('core_local_activity'));
  });

  it('rides out the database failing the first attempts: the event is applied, not dropped', async () => {
    let attempts = 0;
    const { result } = await run('processSesEventWorkflow', event(), {
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
      run('processSesEventWorkflow', event(), {
        async applySesNotification() {
          attempts += 1;
          throw ApplicationFailure.nonRetryable('no SNS notification', 'NotificationNotFound');
        },
      }),
    ).rejects.toThrow(/Workflow execution failed/);
    expect(attempts).toBe(1);
  });
});

describe('inbound mail, channel messages and commerce events, applied by local activities', () => {
  it('an inbound email threads into the helpdesk, fans out its event and tells the Bus in one workflow task: no activity task, child or patch', async () => {
    const calls: string[] = [];
    const { result, history, fanOuts, orgId } = await run(
      'processInboundWorkflow',
      { inboundId: randomUUID(), routeMaxAttempts: 3, localActivities: true },
      {
        async prepareInbound() {
          calls.push('prepare');
          return { classification: 'human', route: { target: 'helpdesk', orgIds: ['org-1'] } } as never;
        },
        async threadInboundIntoHelpdesk() {
          calls.push('thread');
          return { delivered: true, ticketId: 'ticket-1', ticketNumber: 1, threadedBy: 'new', eventIds: ['event-1'] } as never;
        },
        async completeInbound() {
          calls.push('complete');
          return [busEvent('relay.email.inbound')];
        },
        async publishBusEvent(event) {
          calls.push(`bus:${event.type}`);
          return { published: true };
        },
      },
    );
    expect(result).toEqual({ outcome: 'threaded' });
    expect(calls).toEqual(['prepare', 'thread', 'complete', 'bus:relay.email.inbound']);
    expect(fanOuts).toEqual(['event-1']);
    expect(orgId).toBe('org-1');
    expect(count(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
    expect(count(history, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)).toBe(0);
    expect(count(history, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
    expect(count(history, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)).toBe(1);
    // prepare, thread, the fan-out's start, complete, the Bus event.
    expect(markers(history)).toEqual(Array(5).fill('core_local_activity'));
  });

  it('an inbound email nobody routes is archived with the reason, in one workflow task', async () => {
    const archived: string[] = [];
    const { result, history } = await run(
      'processInboundWorkflow',
      { inboundId: randomUUID(), routeMaxAttempts: 3, localActivities: true },
      {
        async prepareInbound() {
          return { classification: 'human', route: { target: 'none' } } as never;
        },
        async archiveInbound({ reason }) {
          archived.push(reason);
        },
      },
    );
    expect(result).toEqual({ outcome: 'archived', reason: 'no_route' });
    expect(archived).toEqual(['no_route']);
    expect(count(history, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
    expect(markers(history)).toEqual(['core_local_activity', 'core_local_activity']);
  });

  it.each([
    ['raised no event anyone subscribes to', [], []],
    ['raised events to fan out', ['event-2', 'event-3'], ['core_local_activity']],
  ])('a channel message that %s is one workflow task, with no child workflow', async (_, eventIds, fanOutMarkers) => {
    const { result, history, fanOuts } = await run(
      'channelMessageWorkflow',
      { messageId: randomUUID(), localActivities: true },
      {
        async threadChannelMessage() {
          return { eventIds, ticketId: 'ticket-2', orgId: 'org-1' };
        },
      },
    );
    expect(result).toEqual({ ticketId: 'ticket-2' });
    expect(fanOuts).toEqual(eventIds);
    expect(count(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
    expect(count(history, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)).toBe(0);
    expect(count(history, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
    expect(markers(history)).toEqual(['core_local_activity', ...fanOutMarkers]);
  });

  it('a commerce event is applied, tags its organization without a patch, and fans out its webhook event in one workflow task', async () => {
    const { result, history, fanOuts, orgId } = await run(
      'commerceEventWorkflow',
      { eventId: randomUUID(), localActivities: true },
      {
        async applyCommerceEvent() {
          return { eventIds: ['event-3'], orgId: 'org-1' };
        },
      },
    );
    expect(result).toEqual({ orgId: 'org-1' });
    expect(orgId).toBe('org-1');
    expect(fanOuts).toEqual(['event-3']);
    expect(count(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(0);
    expect(count(history, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toBe(1);
    expect(markers(history)).toEqual(['core_local_activity', 'core_local_activity']);
  });

  it.each([
    ['an SES event (a bounce with an alert)', 'ses-event-with-activities'],
    ['an inbound email threaded into the helpdesk', 'inbound-helpdesk-with-activities'],
    ['a channel message', 'channel-message-with-activities'],
    ['a commerce event', 'commerce-event-with-activities'],
  ])('replays %s recorded while its steps were activity tasks, as a worker upgraded mid-run must', async (_, file) => {
    // Recorded from the workflow before the change (fetchHistory, encoded as protobuf).
    const history = temporal.api.history.v1.History.decode(await readFile(new URL(`./histories/${file}.binpb`, import.meta.url)));
    expect(count(history.events ?? [], EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBeGreaterThan(0);
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history)).resolves.toBeUndefined();
  });
});
