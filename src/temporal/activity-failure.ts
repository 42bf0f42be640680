// Workflow code only: what an awaited activity failed with.
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/**
 * What ended an activity the workflow awaited: a queued activity's failure comes wrapped in an
 * ActivityFailure (so do a local activity's timeouts), while a local activity's own error
 * reaches the workflow as it was thrown. Undefined for anything else, which is a bug in the
 * workflow. Call it only on what an activity call threw.
 */
export function activityFailureOf(error: unknown): Error | undefined {
  if (error instanceof ActivityFailure) return error.cause ?? error;
  return error instanceof ApplicationFailure ? error : undefined;
}
