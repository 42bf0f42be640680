import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { SweepActivities } from './activities.js';
import { STRANDED_KINDS, type StrandedKind } from './kinds.js';

const { startStrandedWork } = proxyActivities<SweepActivities>({
  // One query and up to a few hundred workflow starts.
  startToCloseTimeout: '2 minutes',
  // The schedule runs again in a minute: a run does not outlive its successor by much.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
});

/**
 * Run every minute by a Schedule: starts every kind of received work that was stored but
 * never started, each kind on its own (one kind's trouble does not hold up the others).
 */
export async function sweepStrandedWorkWorkflow(): Promise<Record<StrandedKind, number>> {
  const outcomes = await Promise.allSettled(STRANDED_KINDS.map((kind) => startStrandedWork({ kind })));
  const started = {} as Record<StrandedKind, number>;
  const failed: string[] = [];
  outcomes.forEach((outcome, index) => {
    const kind = STRANDED_KINDS[index]!;
    if (outcome.status === 'fulfilled') started[kind] = outcome.value.started;
    else
      failed.push(`${kind}: ${outcome.reason instanceof ActivityFailure ? (outcome.reason.cause?.message ?? outcome.reason.message) : String(outcome.reason)}`);
  });
  // Failed so ops see it in the Temporal UI; the kinds that worked have started their work.
  if (failed.length > 0) throw ApplicationFailure.nonRetryable(`the sweep failed for ${failed.join('; ')}`, 'SweepFailed', started);
  return started;
}
