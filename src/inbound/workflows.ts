import { ActivityFailure, ApplicationFailure, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { InboundActivities } from './activities.js';
import type { SupportAddressActivities } from './address-activities.js';
import { emitToBus } from '../bus/workflows.js';
import { fanOutWebhookEvents } from '../webhooks/workflows.js';
import type { ProcessInboundInput, VerifySupportAddressInput } from '../temporal/inputs.js';
import { checkSupportAddressNowSignal } from '../temporal/signals.js';
import { databaseSteps } from '../temporal/database-steps.js';
import { tagOrganization } from '../temporal/workflow-attributes.js';

// Our own steps are local activities: they run inside the run's workflow tasks, so a
// message threaded into the helpdesk costs no activity task. Retries past the first minute
// wait on timers. Runs started before keep the activity tasks their history holds.
const inboundStepsOf = databaseSteps<InboundActivities>({
  // Parsing, classification and database writes: seconds, even for large messages.
  startToCloseTimeout: '2 minutes',
  // Nothing received is lost: our own steps retry through database trouble for a day.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Classifications that never become tickets or product records (the seed's rule). */
const NOT_ROUTED = { bounce: 'bounce', auto_reply: 'auto_reply', outbound_copy: 'outbound_copy' } as const;

/**
 * One inbound email, from stored request to its end: routed to a product, threaded into
 * the organization's helpdesk, or in the inbound archive with the reason.
 */
export async function processInboundWorkflow(input: ProcessInboundInput): Promise<{ outcome: string; reason?: string }> {
  const { inboundId } = input;
  const { steps, startedAfterPatch } = inboundStepsOf(input);
  const archive = async (reason: string, detail?: Record<string, unknown>) => {
    await steps.archiveInbound({ inboundId, reason, detail });
    return { outcome: 'archived', reason };
  };
  if (input.replayOf) await steps.recordInboundReplay({ inboundId, replayOfRunId: input.replayOf.runId });

  const prepared = await steps.prepareInbound({ inboundId });
  if ('unreadable' in prepared) return archive('unreadable', { error: prepared.unreadable });
  if ('addressConfirmed' in prepared) return archive('address_confirmation', { address: prepared.addressConfirmed });
  const { classification, route } = prepared;
  // A message for several organizations is filed under the first it is addressed to.
  if (route.target === 'helpdesk') tagOrganization(route.orgIds[0], { startedAfterPatch });

  if (classification === 'bounce') await steps.noteInboundBounceReport({ inboundId });
  if (classification in NOT_ROUTED) return archive(NOT_ROUTED[classification as keyof typeof NOT_ROUTED]);

  if (route.target === 'none') return archive('no_route');

  if (route.target === 'helpdesk') {
    // Every organization the message is addressed to gets its own ticket, in recipient order,
    // unless another request already brought it the same message.
    const tickets: { orgId: string; ticketId: string }[] = [];
    const deliveredWith: string[] = [];
    for (const orgId of route.orgIds) {
      const thread = await steps.threadInboundIntoHelpdesk({ inboundId, orgId });
      if (!thread.delivered) {
        deliveredWith.push(thread.deliveredWith);
        continue;
      }
      await fanOutWebhookEvents(thread.eventIds, { orgId, startedAfterPatch });
      tickets.push({ orgId, ticketId: thread.ticketId });
    }
    if (tickets.length === 0) return archive('duplicate', { delivered_with: deliveredWith });
    for (const event of await steps.completeInbound({ inboundId, status: 'threaded', target: route.target, tickets })) {
      await emitToBus(event, { startedAfterPatch });
    }
    return { outcome: 'threaded' };
  }

  const product = proxyActivities<InboundActivities>({
    // One POST to a sibling product, which has 30 s to answer.
    startToCloseTimeout: '45 seconds',
    // A product that keeps failing loses nothing: after these attempts the message is archived.
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: input.routeMaxAttempts },
  });
  try {
    await product.deliverInboundToProduct({ inboundId, route });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const cause = error.cause instanceof ApplicationFailure ? error.cause : undefined;
    const reason = cause?.type === 'ProductNotConfigured' ? `${route.target}_not_configured` : `${route.target}_failed`;
    return archive(reason, { error: error.cause?.message ?? error.message });
  }
  for (const event of await steps.completeInbound({ inboundId, status: 'routed', target: route.target })) await emitToBus(event, { startedAfterPatch });
  return { outcome: 'routed' };
}

const addressProof = proxyActivities<SupportAddressActivities>({
  // One SES send, or one DNS lookup and a row update.
  startToCloseTimeout: '1 minute',
  // SES or DNS trouble is retried with backoff; the schedule below is what waits for the organization.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * A support address claim's proof: the confirmation code is mailed to the address (it
 * comes back through inbound mail or the link, and the claim is activated there), and
 * the TXT record on its domain is looked for at once, then on the DNS schedule, until the
 * claim is proven by either or its time is up (then it is dropped, unproven).
 */
export async function verifySupportAddressWorkflow(input: VerifySupportAddressInput): Promise<{ outcome: 'active' | 'expired' | 'deleted' }> {
  const { claimId, checks } = input;
  const deadline = input.deadline ?? Date.now() + checks.giveUpAfterMs;
  let checkNow = false;
  setHandler(checkSupportAddressNowSignal, () => {
    checkNow = true;
  });
  if (input.deadline === undefined) await addressProof.sendAddressConfirmation({ claimId });

  let interval = checks.firstIntervalMs;
  for (;;) {
    checkNow = false;
    const state = await addressProof.checkSupportAddressDns({ claimId });
    if (state !== 'pending') return { outcome: state };
    if (Date.now() >= deadline) {
      await addressProof.expireSupportAddress({ claimId });
      return { outcome: 'expired' };
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof verifySupportAddressWorkflow>({ ...input, deadline });
    await condition(() => checkNow, Math.max(1, Math.min(interval, deadline - Date.now())));
    interval = Math.min(interval * 2, checks.maxIntervalMs);
  }
}
