import { condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DomainActivities } from './activities.js';
import { emitToBus } from '../bus/workflows.js';
import { fanOutWebhookEvents } from '../webhooks/workflows.js';
import type { VerifyDomainInput } from '../temporal/inputs.js';
import { checkDomainNowSignal } from '../temporal/signals.js';

const { checkDomainIdentity, finishDomain } = proxyActivities<DomainActivities>({
  // One SES GetEmailIdentity, one DNS lookup and a row update.
  startToCloseTimeout: '1 minute',
  // A check that keeps failing (SES or DNS trouble) is retried with backoff; the next
  // scheduled check, not this retry, is what waits for the organization's DNS.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * A sending domain's verification: SES is asked where the identity stands at once, then
 * after `firstIntervalMs`, then ever less often up to `maxIntervalMs`, until SES verifies
 * it, SES gives up, or `giveUpAfterMs` has passed. "Check now" looks at once. The outcome is
 * announced as domain.verified / domain.failed to the organization's webhooks and the Bus.
 */
export async function verifyDomainWorkflow(input: VerifyDomainInput): Promise<{ outcome: 'verified' | 'failed' | 'deleted' }> {
  const { orgId, domainId, checks } = input;
  const deadline = input.deadline ?? Date.now() + checks.giveUpAfterMs;
  let checkNow = false;
  setHandler(checkDomainNowSignal, () => {
    checkNow = true;
  });

  let interval = checks.firstIntervalMs;
  for (;;) {
    checkNow = false;
    const seen = await checkDomainIdentity({ orgId, domainId });
    if (seen.state === 'deleted') return { outcome: 'deleted' };
    if (seen.state === 'verified' || seen.state === 'failed' || Date.now() >= deadline) {
      const outcome = seen.state === 'verified' ? 'verified' : 'failed';
      const finished = await finishDomain({ orgId, domainId, outcome });
      await fanOutWebhookEvents(finished.webhookEventIds);
      if (finished.busEvent) await emitToBus(finished.busEvent);
      return { outcome };
    }
    // A long wait with many "check now" signals grows the history; a new run carries on.
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof verifyDomainWorkflow>({ ...input, deadline });
    await condition(() => checkNow, Math.max(1, Math.min(interval, deadline - Date.now())));
    interval = Math.min(interval * 2, checks.maxIntervalMs);
  }
}
