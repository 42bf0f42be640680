import type { Logger } from '../observability/logger.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';

/**
 * Starts the fan-out of webhook events a helpdesk change committed. A fan-out Temporal did
 * not take now is left to the sweep (an event not fanned out is started within minutes),
 * never lost, and the caller's change stands.
 */
export async function fanOut(deps: { workflows: WorkflowStarter; logger: Logger }, orgId: string, eventIds: string[]): Promise<void> {
  try {
    await Promise.all(eventIds.map((eventId) => deps.workflows.startWebhookFanOut({ eventId, orgId })));
  } catch (error) {
    deps.logger.warn(
      { orgId, eventIds, error: error instanceof Error ? error.message : String(error) },
      'webhook fan-out not started; the sweep will start it',
    );
  }
}
