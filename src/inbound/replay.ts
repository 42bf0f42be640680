import type { Client } from '@temporalio/client';
import type { Db } from '../db/database.js';
import { updateInbound } from './repository.js';
import type { InboundMessageRow } from '../db/tables/inbound.js';
import { ReplayRefused } from '../temporal/replay.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { inboundWorkflowId } from '../temporal/ids.js';

/**
 * Routes an archived inbound message again (say, after PSA was configured): a new run of
 * `inbound-<id>`, marked as a replay, whose outcome is recorded like the first one's.
 */
export async function replayArchivedInbound(
  deps: { db: Db; client: Client; workflows: WorkflowStarter; routeMaxAttempts: number },
  inbound: Pick<InboundMessageRow, 'id' | 'status' | 'content_purged_at'>,
): Promise<void> {
  if (inbound.status !== 'archived') throw new ReplayRefused(`inbound ${inbound.id} is ${inbound.status}; only archived messages are replayed`);
  if (inbound.content_purged_at) throw new ReplayRefused(`inbound ${inbound.id} is past its retention period: its content was purged`);
  const previous = await deps.client.workflow
    .getHandle(inboundWorkflowId(inbound.id))
    .describe()
    .catch(() => undefined);
  if (previous?.status.name === 'RUNNING') throw new ReplayRefused(`inbound ${inbound.id} is being processed right now`);
  await updateInbound(deps.db, inbound.id, { status: 'received', archiveReason: null });
  try {
    await deps.workflows.replayInbound({
      inboundId: inbound.id,
      routeMaxAttempts: deps.routeMaxAttempts,
      ...(previous ? { replayOf: { runId: previous.runId } } : {}),
    });
  } catch (error) {
    await updateInbound(deps.db, inbound.id, { status: 'archived' });
    throw error;
  }
}
