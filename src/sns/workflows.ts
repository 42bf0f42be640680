import { proxyActivities } from '@temporalio/workflow';
import type { SnsSubscriptionInput } from '../temporal/inputs.js';
import type { SnsActivities } from './activities.js';

const { confirmSnsSubscription } = proxyActivities<SnsActivities>({
  // One HTTPS GET to SNS and one row update.
  startToCloseTimeout: '30 seconds',
  // SNS keeps the confirmation link valid for three days; retried for one.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Confirms one SNS subscription (SES events, SES receiving, Amazon Seller Central topics). */
export async function confirmSnsSubscriptionWorkflow({ snsMessageId }: SnsSubscriptionInput): Promise<{ confirmed: true }> {
  await confirmSnsSubscription({ snsMessageId });
  return { confirmed: true };
}
