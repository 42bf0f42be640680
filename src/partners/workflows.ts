import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo, type RetryPolicy } from '@temporalio/workflow';
import type { PartnerActivities } from './activities.js';
import { deliveriesTaskQueueFor } from '../temporal/ids.js';
import type { PartnerDeliveryInput } from '../temporal/inputs.js';
import { ABANDONED_ATTEMPT_HEARTBEAT_TIMEOUT } from '../temporal/heartbeat.js';

const { recordPartnerDeliveryFailed, recordPartnerDeliveryReplay } = proxyActivities<PartnerActivities>({
  // Single-row writes.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The seed's delivery policy as a Temporal retry policy: `attempts` in all, the first
 * retry after `firstRetryMs`, doubling (production: 5 attempts, waits of 1, 2, 4 and 8 s).
 */
export function partnerRetryPolicy({ attempts, firstRetryMs }: PartnerDeliveryInput['retry']): RetryPolicy {
  return {
    maximumAttempts: attempts,
    initialInterval: firstRetryMs,
    backoffCoefficient: 2,
    maximumInterval: firstRetryMs * 2 ** Math.max(0, attempts - 2),
  };
}

/**
 * One debrief action to one partner connection. When every attempt fails, the signed
 * write_failed event goes to the partner's error_url (retried on the same policy, and
 * given up after it: the error event is best effort), and the run fails so it can be replayed.
 */
export async function partnerDeliveryWorkflow(input: PartnerDeliveryInput): Promise<{ partnerRecordId: string | null }> {
  const { idempotencyKey } = input;
  const partner = proxyActivities<PartnerActivities>({
    // Outgoing HTTP runs on the deliveries queue, apart from email sends.
    taskQueue: deliveriesTaskQueueFor(workflowInfo().taskQueue),
    // The partner has 30 s to answer.
    startToCloseTimeout: '45 seconds',
    heartbeatTimeout: ABANDONED_ATTEMPT_HEARTBEAT_TIMEOUT,
    retry: partnerRetryPolicy(input.retry),
  });
  if (input.replayOf) await recordPartnerDeliveryReplay({ idempotencyKey });
  try {
    return await partner.deliverToPartner({ idempotencyKey });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    let errorEvent: 'sent' | 'failed' | 'none';
    try {
      errorEvent = (await partner.sendPartnerErrorEvent({ idempotencyKey })).sent ? 'sent' : 'none';
    } catch (failure) {
      if (!(failure instanceof ActivityFailure)) throw failure;
      errorEvent = 'failed';
    }
    await recordPartnerDeliveryFailed({ idempotencyKey, errorEvent });
    throw ApplicationFailure.nonRetryable(`partner delivery ${idempotencyKey} failed: ${error.cause?.message ?? error.message}`, 'PartnerDeliveryFailed');
  }
}
