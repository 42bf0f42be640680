import type { SendEmailInput } from '../temporal/inputs.js';

/**
 * The largest message (stored size) sent at once in the workflow's own task when the schedule
 * is idle; larger ones always wait their turn on the SES queue. Nearly every notification is
 * far smaller. This keeps what the main worker's local activities hold at once (up to 100 by
 * default) near the send budget, and a large message's wait for that budget off the workflow task.
 */
export const SEND_AT_ONCE_MAX_BYTES = 256 * 1024;

/**
 * The path of an accepted send: one email small enough may go at once; a batch is a backlog
 * by nature, ordered by the queue's priorities and fairness, and so is a large message.
 */
export function sendPathOf(emailsInRequest: number, contentBytes: number | undefined): NonNullable<SendEmailInput['sendPath']> {
  const small = contentBytes !== undefined && contentBytes <= SEND_AT_ONCE_MAX_BYTES;
  return emailsInRequest === 1 && small ? 'at-once-when-idle' : 'queued';
}
