import type { Priority } from '@temporalio/common';
import type { SendPriority } from '../db/tables/emails.js';

// Temporal's priority keys run from 1 (first) to 5; 3 is the default.
const PRIORITY_KEYS: Record<SendPriority, number> = { high: 1, normal: 3, bulk: 5 };

/**
 * Where a send waits on the shared task queues: its priority level first, then fairness
 * between organizations within the level (the fairness key is the organization), so one
 * organization's backlog cannot hold back another's password reset. Pure: workflow code
 * and the API compute the same thing.
 */
export function sendPriority(orgId: string, priority: SendPriority = 'normal'): Priority {
  return { priorityKey: PRIORITY_KEYS[priority], fairnessKey: orgId };
}
