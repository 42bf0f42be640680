import type { DbOrTrx } from '../db/database.js';
import type { DialpadCallInput } from '../temporal/inputs.js';
import type { DialpadCallEvent } from '../temporal/signals.js';
import { dialpadCallEvent } from './parse.js';
import { listDialpadCallEvents, listUnfinishedDialpadCalls } from './repository.js';

/** Calls are followed for at most this long. */
const MAX_CALL_MS = 4 * 3600_000;

export interface DialpadWaits {
  voicemailWaitMs: number;
  afterHangupWaitMs: number;
}

/** What `dialpad-call-<channel>-<call>` runs with, from the API and from the sweep alike. */
export function dialpadCallInput(channel: { id: string; org_id: string }, callId: string, waits: DialpadWaits): DialpadCallInput {
  return { orgId: channel.org_id, channelId: channel.id, callId, ...waits, maxCallMs: MAX_CALL_MS };
}

/**
 * Calls whose first event came before `before` and that were never finished, each with its
 * stored state events rebuilt as the API signalled them: the sweep hands them to a call
 * workflow that never ran.
 */
export async function listUnfinishedCalls(
  db: DbOrTrx,
  before: Date,
  limit: number,
  waits: DialpadWaits,
): Promise<{ input: DialpadCallInput; events: DialpadCallEvent[] }[]> {
  const calls = await listUnfinishedDialpadCalls(db, before, limit);
  return Promise.all(
    calls.map(async (call) => ({
      input: dialpadCallInput({ id: call.channel_id, org_id: call.org_id }, call.call_id, waits),
      events: (await listDialpadCallEvents(db, call.channel_id, call.call_id))
        .map((payload) => dialpadCallEvent(payload, call.call_id).event)
        // A GDPR redaction empties the stored payload: nothing is left to hand on.
        .filter((event) => typeof event.state === 'string'),
    })),
  );
}
