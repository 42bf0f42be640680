import { log, patched, proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
import type { BusActivities } from './activities.js';
import type { BusEvent } from '../integrations/bus.js';
import { activityFailureOf } from '../temporal/activity-failure.js';

const busEventOptions = {
  // One small POST; a slower answer is a hung connection.
  startToCloseTimeout: '30 seconds',
  // A Bus outage is ridden out for a day, backing off to every 10 minutes, then given up.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
} satisfies ActivityOptions;

// A local activity runs inside the workflow task that reaches it: no activity task to
// schedule, match and report, and no workflow task after it, which is a third of what an
// email costs the Temporal server. A Bus outage still backs off for a day (attempts past the
// first minute wait on timers). Runs started before the change keep the activity their
// history holds (the patch marker tells which), so upgrading a worker breaks no run in flight.
const { publishBusEvent: publishAsLocalActivity } = proxyLocalActivities<BusActivities>(busEventOptions);
const { publishBusEvent: publishAsActivity } = proxyActivities<BusActivities>(busEventOptions);
export const BUS_EVENT_LOCAL_ACTIVITY_PATCH = 'bus-event-local-activity';

/**
 * Emits one Bus event. Never fails the caller: a Bus that stays down for the whole
 * retry window costs the event (logged), never the send or the SES event behind it.
 * `startedAfterPatch`: the caller's input says its run was started after the change, so the
 * patch is not consulted: every patch call writes a marker and updates the run's
 * TemporalChangeVersion search attribute, which the run would otherwise pay for nothing.
 */
export async function emitToBus(event: BusEvent, options: { startedAfterPatch?: boolean } = {}): Promise<void> {
  const publish = options.startedAfterPatch || patched(BUS_EVENT_LOCAL_ACTIVITY_PATCH) ? publishAsLocalActivity : publishAsActivity;
  try {
    await publish(event);
  } catch (error) {
    const failure = activityFailureOf(error);
    if (!failure) throw error;
    log.error('Bus event given up: its retry window ran out, or the Bus refused it', {
      eventId: event.id,
      type: event.type,
      orgId: event.org_id,
      error: failure.message,
    });
  }
}
