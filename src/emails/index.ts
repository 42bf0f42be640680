// What other capabilities use of outbound email: recognising mail Relay sent, recording
// provider events about it on its timeline, and the sweep's view of emails never started.
export {
  advanceEmailStatus,
  findEmail,
  findEmailOwnerBySesMessageId,
  findTicketNumberOfSentEmail,
  insertEmailEvents,
  listQueuedEmailsOlderThan,
} from './repository.js';
export { statusesBelow } from './ses-events.js';
// Privacy requests: the outbound-mail part of an export or a redaction.
export { exportEmailData, redactEmailData } from './privacy-repository.js';
