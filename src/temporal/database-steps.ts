// Workflow code only: a workflow's own database steps, on the path its run was started on.
import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { LocalActivitiesMarker } from './inputs.js';

/**
 * A workflow's database steps both ways: local activities for runs whose input carries
 * `localActivities`, and the activity tasks that runs started before hold in their
 * histories. `startedAfterPatch` says which, for the patches such runs skip too
 * (emitToBus, tagOrganization, fanOutWebhookEvents).
 */
export function databaseSteps<A>(options: ActivityOptions & LocalActivityOptions) {
  const local = proxyLocalActivities<A>(options);
  const asActivities = proxyActivities<A>(options);
  return (input: LocalActivitiesMarker) => {
    const startedAfterPatch = input.localActivities === true;
    return { steps: startedAfterPatch ? local : asActivities, startedAfterPatch };
  };
}
