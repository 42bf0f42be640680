import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { InboundActivities } from './activities.js';
import { emitToBus } from '../bus/workflows.js';
import { fanOutWebhookEvents } from '../webhooks/workflows.js';
import type { ProcessInboundInput } from '../temporal/inputs.js';

const activities = proxyActivities<InboundActivities>({
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
  if (input.replayOf) await activities.recordInboundReplay({ inboundId, replayOfRunId: input.replayOf.runId });

  const prepared = await activities.prepareInbound({ inboundId });
  if ('unreadable' in prepared) return archive(inboundId, 'unreadable', { error: prepared.unreadable });
  const { classification, route } = prepared;

  if (classification === 'bounce') await activities.noteInboundBounceReport({ inboundId });
  if (classification in NOT_ROUTED) return archive(inboundId, NOT_ROUTED[classification as keyof typeof NOT_ROUTED]);

  if (route.target === 'none') return archive(inboundId, 'no_route');

  if (route.target === 'helpdesk') {
    // Every organization the message is addressed to gets its own ticket, in recipient order,
    // unless another request already brought it the same message.
    const tickets: { orgId: string; ticketId: string }[] = [];
    const deliveredWith: string[] = [];
    for (const orgId of route.orgIds) {
      const thread = await activities.threadInboundIntoHelpdesk({ inboundId, orgId });
      if (!thread.delivered) {
        deliveredWith.push(thread.deliveredWith);
        continue;
      }
      await fanOutWebhookEvents(thread.eventIds);
      tickets.push({ orgId, ticketId: thread.ticketId });
    }
    if (tickets.length === 0) return archive(inboundId, 'duplicate', { delivered_with: deliveredWith });
    for (const event of await activities.completeInbound({ inboundId, status: 'threaded', target: route.target, tickets })) await emitToBus(event);
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
    return archive(inboundId, reason, { error: error.cause?.message ?? error.message });
  }
  for (const event of await activities.completeInbound({ inboundId, status: 'routed', target: route.target })) await emitToBus(event);
  return { outcome: 'routed' };
}

async function archive(inboundId: string, reason: string, detail?: Record<string, unknown>) {
  await activities.archiveInbound({ inboundId, reason, detail });
  return { outcome: 'archived', reason };
}
