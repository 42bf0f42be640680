import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, sleep, startChild } from '@temporalio/workflow';
import type { WebhookActivities } from './activities.js';
import { webhookDeliveryWorkflowId, webhookEventWorkflowId } from '../temporal/ids.js';
import type { DeliverWebhookInput, FanOutWebhookEventInput } from '../temporal/inputs.js';
import { childAttributes } from '../temporal/workflow-attributes.js';

const { planWebhookDeliveries, attemptWebhookDelivery, failWebhookDelivery } = proxyActivities<WebhookActivities>({
  // The receiver has 30 s; the rest is database work.
  startToCloseTimeout: '45 seconds',
  // Only Relay's own trouble (database, a lost worker) is retried here; the receiver's
  // failures are outcomes, retried on the seed's schedule by the workflow's timers.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Starts a child that outlives this workflow (with this one's organization); one already started under that id is under way. */
async function startOnce(kind: string, workflowType: string, workflowId: string, input: FanOutWebhookEventInput | DeliverWebhookInput): Promise<void> {
  try {
    await startChild(workflowType, { workflowId, args: [input], parentClosePolicy: ParentClosePolicy.ABANDON, typedSearchAttributes: childAttributes(kind) });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** Starts the fan-out of each event, left to run on its own (called from other workflows). */
export async function fanOutWebhookEvents(eventIds: readonly string[]): Promise<void> {
  await Promise.all(eventIds.map((eventId) => startOnce('webhook-event', 'fanOutWebhookEventWorkflow', webhookEventWorkflowId(eventId), { eventId })));
}

/** One event to every webhook subscribed to it: a delivery workflow each, left to run on its own. */
export async function fanOutWebhookEventWorkflow({ eventId }: FanOutWebhookEventInput): Promise<{ deliveries: number }> {
  const plan = await planWebhookDeliveries({ eventId });
  // All children are started in one workflow task, not one round trip each.
  await Promise.all(
    plan.deliveries.map((delivery) =>
      startOnce('webhook-delivery', 'deliverWebhookWorkflow', webhookDeliveryWorkflowId(eventId, delivery.webhookId), {
        deliveryId: delivery.deliveryId,
        retryScheduleMs: plan.retryScheduleMs,
      }),
    ),
  );
  return { deliveries: plan.deliveries.length };
}

/**
 * Delivers one event to one webhook: an attempt, then one more after each wait of the
 * schedule (the seed's 1 min, 5 min, 30 min, 2 h, 24 h). When the last one fails the
 * delivery is failed and the webhook disabled.
 */
export async function deliverWebhookWorkflow(input: DeliverWebhookInput): Promise<{ outcome: string; attempts: number }> {
  const { deliveryId, retryScheduleMs } = input;
  for (let attempt = 1; ; attempt += 1) {
    const result = await attemptWebhookDelivery({ deliveryId, attempt, force: Boolean(input.replayOf) });
    if (result.outcome !== 'failed') return { outcome: result.outcome, attempts: attempt };
    const wait = retryScheduleMs[attempt - 1];
    if (wait === undefined) {
      await failWebhookDelivery({ deliveryId });
      return { outcome: 'failed', attempts: attempt };
    }
    await sleep(wait);
  }
}
