import { ActivityFailure, log, proxyActivities } from '@temporalio/workflow';
import type { BusActivities } from './activities.js';
import type { BusEvent } from '../integrations/bus.js';

const { publishBusEvent } = proxyActivities<BusActivities>({
  // One small POST; a slower answer is a hung connection.
  startToCloseTimeout: '30 seconds',
  // A Bus outage is ridden out for a day, backing off to every 10 minutes, then given up.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/**
 * Emits one Bus event. Never fails the caller: a Bus that stays down for the whole
 * retry window costs the event (logged), never the send or the SES event behind it.
 */
export async function emitToBus(event: BusEvent): Promise<void> {
  try {
    await publishBusEvent(event);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.error('Bus event given up after its retry window', { eventId: event.id, type: event.type, orgId: event.org_id, error: error.cause?.message });
  }
}
