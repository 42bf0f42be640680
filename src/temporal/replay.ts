import type { Client } from '@temporalio/client';
import { WorkflowIdReusePolicy, defaultPayloadConverter } from '@temporalio/common';
import type { ReplayMarker } from './inputs.js';

export class ReplayRefused extends Error {
  override name = 'ReplayRefused';
}

const REPLAYABLE = new Set(['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED']);

/**
 * Starts a new run of a closed, unsuccessful workflow under the same id, with its
 * original input marked as a replay. The workflow id stays the idempotency key: the
 * work it does checks what the earlier run already did.
 */
export async function replayWorkflow(client: Client, workflowId: string): Promise<{ runId: string; replayOfRunId: string }> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if (!REPLAYABLE.has(description.status.name)) {
    throw new ReplayRefused(`workflow ${workflowId} is ${description.status.name}; only failed, terminated, timed-out or cancelled runs are replayed`);
  }
  const history = await handle.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  if (!payload) throw new ReplayRefused(`workflow ${workflowId} has no input to replay`);
  const input = defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload);
  const replayInput: ReplayMarker & Record<string, unknown> = { ...input, replayOf: { runId: description.runId } };

  const next = await client.workflow.start(description.type, {
    workflowId,
    taskQueue: description.taskQueue,
    args: [replayInput],
    // Only a run that did not complete may be followed by another under its id.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    typedSearchAttributes: description.typedSearchAttributes,
  });
  return { runId: next.firstExecutionRunId, replayOfRunId: description.runId };
}
