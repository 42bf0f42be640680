// What other capabilities use of outbound email: recognising mail Relay sent, recording
// provider events about it on its timeline, and queueing a message for its email-<id>
// workflow (helpdesk replies go out through the same pipeline as the send API).
export {
  advanceEmailStatus,
  findEmail,
  findEmailOwnerBySesMessageId,
  findTicketNumberOfSentEmail,
  insertEmail,
  insertEmailEvents,
  listEmailStatuses,
} from './repository.js';
export { statusesBelow } from './ses-events.js';
