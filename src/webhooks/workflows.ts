import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, continueAsNew, proxyActivities, proxyLocalActivities, sleep, startChild, workflowInfo } from '@temporalio/workflow';
import type { AttemptInput, AttemptOutcome, WebhookActivities } from './activities.js';
import { deliveriesTaskQueueFor, webhookEventPageWorkflowId, webhookEventWorkflowId } from '../temporal/ids.js';
import type { WebhookEventInput, WebhookReplayInput, WebhookTestInput } from '../temporal/inputs.js';
import { childAttributes } from '../temporal/workflow-attributes.js';
import { ABANDONED_ATTEMPT_HEARTBEAT_TIMEOUT } from '../temporal/heartbeat.js';

/**
 * The most endpoints one event workflow delivers to itself; past it, the next page of
 * endpoints goes to a child workflow (and so on, a page each). Why 100: in the worst case
 * an endpoint fails every attempt, and its six attempts and five jittered timers, each
 * waking the workflow on its own, write about 60 history events; 100 endpoints stay near
 * 6,000, under the 10,240 events at which Temporal starts warning (51,200 is its hard
 * limit), and the plan that lists them stays a few kilobytes.
 */
export const WEBHOOK_FAN_OUT_CAP = 100;

/**
 * How many endpoints' first attempts one activity makes, side by side. An activity task is
 * most of what a delivery costs (a no-op one alone ran at 1.9 times the rate of real
 * deliveries, an activity each), and most first attempts succeed, so an event's first
 * attempts go out ten to an activity; the retries, few and spread over a day, stay an
 * activity each. Why ten: in the benchmark's (f), a batch of 5 reached the no-op ceiling,
 * 10 went 1.2–1.4 times past it, 25 only 1.6; and the larger the batch, the more POSTs one
 * slot of the deliveries queue holds, the longer a batch waits on its slowest receiver (30 s
 * at worst; the others' retries are timed from their own answers), and the more attempts a
 * worker lost mid-batch leaves to be made again.
 */
export const WEBHOOK_FIRST_ATTEMPT_BATCH = 10;

/** How many deliveries a replay sends in one run before it continues as new (bounded history). */
const REPLAY_PAGE = 100;

// Local activities: run inside the workflow's own task, no round trip through a task queue
// before the first attempt (the ticket change → first attempt latency).
const { planWebhookDeliveries, nextWebhookReplayPage } = proxyLocalActivities<WebhookActivities>({
  // A few PostgreSQL statements.
  startToCloseTimeout: '30 seconds',
  // Relay's own trouble (a database restart) is ridden out, backing off to once a minute.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** The activity that POSTs, on the deliveries task queue (its own slots: slow receivers never hold up email). */
function deliveryActivities() {
  return proxyActivities<WebhookActivities>({
    taskQueue: deliveriesTaskQueueFor(workflowInfo().taskQueue),
    // The receiver has 30 s; the rest is database work.
    startToCloseTimeout: '45 seconds',
    heartbeatTimeout: ABANDONED_ATTEMPT_HEARTBEAT_TIMEOUT,
    // Only Relay's own trouble (database, a lost worker) is retried here; the receiver's
    // failures are outcomes, retried on the seed's schedule by the workflow's timers.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
}

type Delivered = Exclude<AttemptOutcome['outcome'], 'retry'>;
type Delivery = { deliveryId: string; generation: number };

/**
 * One delivery to one endpoint: an attempt, then one more after each wait of the
 * schedule (the seed's 1 min, 5 min, 30 min, 2 h, 24 h) as a timer. The attempt says when
 * the next one is due (the step with ±10 % jitter, or the receiver's longer Retry-After);
 * after the last one, or a 410 Gone, it has failed the delivery and disabled the webhook.
 */
async function deliver(delivery: Delivery, retryScheduleMs: readonly number[], options: { replay?: boolean } = {}): Promise<Delivered> {
  const { attemptWebhookDelivery } = deliveryActivities();
  const first = await attemptWebhookDelivery(attemptOf(delivery, retryScheduleMs[0], options));
  return retryOnSchedule(delivery, retryScheduleMs, first, options);
}

/** An attempt's input: the delivery, and the schedule's wait after it (null after the last). */
function attemptOf({ deliveryId, generation }: Delivery, nextWaitMs: number | undefined, options: { replay?: boolean }): AttemptInput {
  return { deliveryId, generation, nextWaitMs: nextWaitMs ?? null, ...options };
}

/** The rest of a delivery after its first attempt: each retry after its timer, until one is not due again. */
async function retryOnSchedule(
  delivery: Delivery,
  retryScheduleMs: readonly number[],
  first: AttemptOutcome,
  options: { replay?: boolean } = {},
): Promise<Delivered> {
  const { attemptWebhookDelivery } = deliveryActivities();
  let result = first;
  for (let round = 1; result.outcome === 'retry'; round += 1) {
    // Counted from the receiver's answer, not from when this workflow heard of it.
    await sleep(Math.max(0, result.nextAttemptAt - Date.now()));
    result = await attemptWebhookDelivery(attemptOf(delivery, retryScheduleMs[round], options));
  }
  return result.outcome;
}

/** Every delivery of a page: first attempts a batch per activity, then each one's retries on its own. */
async function deliverInBatches(deliveries: readonly Delivery[], retryScheduleMs: readonly number[]): Promise<Delivered[]> {
  const { attemptWebhookDeliveries } = deliveryActivities();
  const batches: Delivery[][] = [];
  for (let start = 0; start < deliveries.length; start += WEBHOOK_FIRST_ATTEMPT_BATCH) {
    batches.push(deliveries.slice(start, start + WEBHOOK_FIRST_ATTEMPT_BATCH).map(({ deliveryId, generation }) => ({ deliveryId, generation })));
  }
  const outcomes = await Promise.all(
    batches.map(async (batch) => {
      const firsts = await attemptWebhookDeliveries({ deliveries: batch, nextWaitMs: retryScheduleMs[0] ?? null });
      return Promise.all(batch.map((delivery, index) => retryOnSchedule(delivery, retryScheduleMs, firsts[index]!)));
    }),
  );
  return outcomes.flat();
}

function tally(outcomes: Delivered[]): Record<Delivered, number> {
  const counts: Record<Delivered, number> = { succeeded: 0, failed: 0, skipped: 0 };
  for (const outcome of outcomes) counts[outcome] += 1;
  return counts;
}

/** Starts a child that outlives this workflow (with this one's organization); one already started under that id is under way. */
async function startOnce(kind: string, workflowType: string, workflowId: string, input: WebhookEventInput): Promise<void> {
  try {
    await startChild(workflowType, { workflowId, args: [input], parentClosePolicy: ParentClosePolicy.ABANDON, typedSearchAttributes: childAttributes(kind) });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

const { startWebhookFanOuts } = proxyLocalActivities<WebhookActivities>({
  // One start call per event.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Starts each event's workflow, left to run on its own (called from other capabilities'
 * workflows). `startedAfterPatch` (the caller's input says its run is new): by a local
 * activity, as the API starts the events it raises, so the caller records no child and
 * takes no workflow task for its start or its end; otherwise as children, as the caller's
 * history holds.
 */
export async function fanOutWebhookEvents(eventIds: readonly string[], options: { orgId?: string | null; startedAfterPatch?: boolean } = {}): Promise<void> {
  if (options.startedAfterPatch) {
    if (eventIds.length > 0) await startWebhookFanOuts({ eventIds: [...eventIds], orgId: options.orgId ?? null });
    return;
  }
  await Promise.all(eventIds.map((eventId) => startOnce('webhook-event', 'webhookEventWorkflow', webhookEventWorkflowId(eventId), { eventId })));
}

/**
 * One webhook event to every endpoint subscribed to it: the first attempts a batch of
 * endpoints per activity (an activity per endpoint in runs started before), all scheduled
 * in one workflow task, each endpoint's retries as timers here. Endpoints past
 * the fan-out cap go to a child that runs the same code on the next page.
 */
export async function webhookEventWorkflow(input: WebhookEventInput): Promise<Record<Delivered, number>> {
  const { eventId } = input;
  const plan = await planWebhookDeliveries({ eventId, afterWebhookId: input.afterWebhookId, limit: WEBHOOK_FAN_OUT_CAP });
  const last = plan.deliveries.at(-1);
  if (plan.more && last) {
    const page: WebhookEventInput = { eventId, afterWebhookId: last.webhookId, batchFirstAttempts: input.batchFirstAttempts };
    await startOnce('webhook-event', 'webhookEventWorkflow', webhookEventPageWorkflowId(eventId, last.webhookId), page);
  }
  if (input.batchFirstAttempts) return tally(await deliverInBatches(plan.deliveries, plan.retryScheduleMs));
  return tally(await Promise.all(plan.deliveries.map((delivery) => deliver(delivery, plan.retryScheduleMs))));
}

/**
 * webhooks.replay: the deliveries it reopened, one after the other in the order their
 * events were raised, each on a fresh schedule. When one fails for good its webhook is
 * disabled again and the rest are skipped with that reason.
 */
export async function webhookReplayWorkflow(input: WebhookReplayInput): Promise<Record<Delivered, number>> {
  const { replayId } = input;
  const page = await nextWebhookReplayPage({ replayId, afterSeq: input.afterSeq, limit: REPLAY_PAGE });
  const outcomes: Delivered[] = [];
  for (const delivery of page.deliveries) {
    outcomes.push(await deliver(delivery, page.retryScheduleMs, { replay: true }));
    // Its webhook is disabled again and what is left of the replay skipped.
    if (outcomes.at(-1) === 'failed') return tally(outcomes);
  }
  const last = page.deliveries.at(-1);
  if (page.deliveries.length === REPLAY_PAGE && last) await continueAsNew<typeof webhookReplayWorkflow>({ replayId, afterSeq: last.seq });
  return tally(outcomes);
}

/** webhooks.test: one attempt, waited for by the API; its failure is not retried and disables nothing. */
export async function webhookTestWorkflow({ deliveryId }: WebhookTestInput): Promise<AttemptOutcome> {
  const { attemptWebhookDelivery } = deliveryActivities();
  return attemptWebhookDelivery({ deliveryId, generation: 0, nextWaitMs: null, test: true });
}
