import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import type { AttemptInput, AttemptOutcome, FirstAttemptsInput } from '../../src/webhooks/activities.js';
import { WEBHOOK_FIRST_ATTEMPT_BATCH } from '../../src/webhooks/workflows.js';
import type { WebhookEventInput } from '../../src/temporal/inputs.js';
import { deliveriesTaskQueueFor, webhookEventPageWorkflowId } from '../../src/temporal/ids.js';
import '../support/stack.js';
import { temporalClientForFile } from './temporal-client.js';

// The event workflow's shape against stand-in activities: which attempts it schedules, in
// which activities, and what it does with their outcomes.

const { EventType } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const client = temporalClientForFile();

const SCHEDULE_MS = [40, 80];

/**
 * Runs webhookEventWorkflow with a planner of `endpoints` endpoints (pages of `pageSize`)
 * and attempts that succeed, except the first `failFirst` of the deliveries named there.
 */
async function run(
  input: Omit<WebhookEventInput, 'eventId'>,
  { endpoints, pageSize = 100, failFirst = new Map<string, number>() }: { endpoints: number; pageSize?: number; failFirst?: Map<string, number> },
) {
  const taskQueue = `wf-${randomUUID()}`;
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const all = Array.from({ length: endpoints }, (_, index) => ({
    deliveryId: `d-${String(index).padStart(3, '0')}`,
    generation: 0,
    webhookId: `w-${String(index).padStart(3, '0')}`,
  }));
  const batches: string[][] = [];
  const batchWaits: (number | null)[] = [];
  const singles: AttemptInput[] = [];
  const attempts = new Map<string, number>();
  const attempt = (deliveryId: string): AttemptOutcome => {
    const made = (attempts.get(deliveryId) ?? 0) + 1;
    attempts.set(deliveryId, made);
    if (made <= (failFirst.get(deliveryId) ?? 0)) return { outcome: 'retry', status: 500, error: 'HTTP 500', nextAttemptAt: Date.now() + 40 };
    return { outcome: 'succeeded', status: 200 };
  };
  const main = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: {
      async planWebhookDeliveries({ afterWebhookId, limit }: { afterWebhookId?: string; limit: number }) {
        const rest = all.filter((delivery) => !afterWebhookId || delivery.webhookId > afterWebhookId);
        const page = rest.slice(0, Math.min(limit, pageSize));
        return { deliveries: page, more: rest.length > page.length, retryScheduleMs: SCHEDULE_MS };
      },
    },
  });
  const deliveries = await Worker.create({
    connection: native,
    taskQueue: deliveriesTaskQueueFor(taskQueue),
    activities: {
      async attemptWebhookDelivery(input: AttemptInput) {
        singles.push(input);
        return attempt(input.deliveryId);
      },
      async attemptWebhookDeliveries({ deliveries: batch, nextWaitMs }: FirstAttemptsInput) {
        batchWaits.push(nextWaitMs);
        batches.push(batch.map((delivery) => delivery.deliveryId));
        return batch.map((delivery) => attempt(delivery.deliveryId));
      },
    },
  });
  try {
    const eventId = randomUUID();
    const handle = await client().workflow.start('webhookEventWorkflow', {
      taskQueue,
      workflowId: `webhook-event-${randomUUID()}`,
      args: [{ eventId, ...input }],
    });
    const finished = async () => {
      const result = await handle.result();
      // The next page's child, when there is one (it outlives this run), finishes too.
      if (endpoints > pageSize)
        await client()
          .workflow.getHandle(webhookEventPageWorkflowId(eventId, all[pageSize - 1]!.webhookId))
          .result();
      return result;
    };
    const result = await main.runUntil(deliveries.runUntil(finished()));
    const history = (await handle.fetchHistory()).events ?? [];
    // Every batch is a first attempt: the schedule's first wait follows it (checked here, not in
    // the activity, where a failed expectation would only be retried).
    expect(new Set(batchWaits)).toEqual(new Set(batches.length > 0 ? [SCHEDULE_MS[0]] : []));
    return { result, history, batches, singles, attempts };
  } finally {
    await native.close();
  }
}

const scheduled = (history: HistoryEvent[]) =>
  history.flatMap((event) => (event.activityTaskScheduledEventAttributes ? [event.activityTaskScheduledEventAttributes.activityType?.name] : []));

describe('webhookEventWorkflow', () => {
  it(`makes an event's first attempts ${WEBHOOK_FIRST_ATTEMPT_BATCH} endpoints to an activity, and retries a failed one on its own, on the schedule`, async () => {
    const { result, history, batches, singles, attempts } = await run({ batchFirstAttempts: true }, { endpoints: 25, failFirst: new Map([['d-017', 2]]) });
    expect(result).toEqual({ succeeded: 25, failed: 0, skipped: 0 });
    // The activities run side by side: their order is the worker's.
    expect(batches.map((batch) => batch.length).sort((a, b) => a - b)).toEqual([5, 10, 10]);
    expect(new Set(batches.flat()).size).toBe(25);
    // d-017 failed its first attempt (in its batch) and its first retry: two more, alone, each with the schedule's next wait.
    expect(singles).toEqual([
      { deliveryId: 'd-017', generation: 0, nextWaitMs: SCHEDULE_MS[1] },
      { deliveryId: 'd-017', generation: 0, nextWaitMs: null },
    ]);
    expect([...attempts.values()].reduce((sum, made) => sum + made, 0)).toBe(27);
    expect(scheduled(history)).toEqual([...Array(3).fill('attemptWebhookDeliveries'), 'attemptWebhookDelivery', 'attemptWebhookDelivery']);
    expect(history.filter((event) => event.eventType === EventType.EVENT_TYPE_TIMER_STARTED)).toHaveLength(2);
  });

  it('hands the pages past the fan-out cap to children that batch their first attempts too', async () => {
    const { result, batches, singles } = await run({ batchFirstAttempts: true }, { endpoints: 23, pageSize: 20 });
    // This run's page: 20 endpoints in two batches; the child's: the last 3.
    expect(result).toEqual({ succeeded: 20, failed: 0, skipped: 0 });
    expect(batches.map((batch) => batch.length).sort((a, b) => a - b)).toEqual([3, 10, 10]);
    expect(singles).toEqual([]);
  });

  it('keeps an activity per endpoint in a run started without batchFirstAttempts, as runs started before it were', async () => {
    const { result, batches, singles } = await run({}, { endpoints: 3, failFirst: new Map([['d-001', 1]]) });
    expect(result).toEqual({ succeeded: 3, failed: 0, skipped: 0 });
    expect(batches).toEqual([]);
    expect(singles.map((single) => `${single.deliveryId} ${single.nextWaitMs}`).sort()).toEqual([
      `d-000 ${SCHEDULE_MS[0]}`,
      `d-001 ${SCHEDULE_MS[0]}`,
      `d-001 ${SCHEDULE_MS[1]}`,
      `d-002 ${SCHEDULE_MS[0]}`,
    ]);
  });

  it('replays a run recorded with an activity per endpoint (three endpoints, one retried), as a worker upgraded mid-run must', async () => {
    // Recorded from the workflow before batching (fetchHistory, encoded as protobuf).
    const history = temporal.api.history.v1.History.decode(await readFile(new URL('./histories/webhook-event-per-endpoint.binpb', import.meta.url)));
    expect(scheduled(history.events ?? [])).toEqual(Array(4).fill('attemptWebhookDelivery'));
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history)).resolves.toBeUndefined();
  });
});
