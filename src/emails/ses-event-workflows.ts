import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import { emitToBus } from '../bus/workflows.js';
import type { SesNotificationInput } from '../temporal/inputs.js';

const { applySesNotification, confirmSnsSubscription, checkBounceRate } = proxyActivities<Activities>({
  // Database work and one HTTPS GET to SNS; either answers within seconds.
  startToCloseTimeout: '30 seconds',
  // Nothing received is dropped: retry through database or network trouble for a day.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** One verified SNS message: a subscription to confirm, or an SES event to apply and announce. */
export async function processSesNotificationWorkflow({ snsMessageId, type }: SesNotificationInput): Promise<{ eventType: string; matched: boolean }> {
  if (type === 'SubscriptionConfirmation') {
    await confirmSnsSubscription({ snsMessageId });
    return { eventType: type, matched: false };
  }
  const applied = await applySesNotification({ snsMessageId });
  for (const event of applied.busEvents) await emitToBus(event);
  if (applied.matched && applied.eventType === 'Bounce') {
    const alert = await checkBounceRate({ orgId: applied.matched.orgId });
    if (alert) await emitToBus(alert);
  }
  return { eventType: applied.eventType, matched: applied.matched !== null };
}
