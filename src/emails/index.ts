// What other capabilities use of outbound email: recognising mail Relay sent, recording
// provider events about it on its timeline, the sweep's view of emails never started, and
// queueing a message for its email-<id> workflow (helpdesk replies go out through the same
// pipeline as the send API).
export {
  advanceEmailStatus,
  findEmail,
  findEmailOwnerBySesMessageId,
  findTicketNumberOfSentEmail,
  insertEmail,
  insertEmailEvents,
  listEmailStatuses,
  listQueuedEmailsOlderThan,
} from './repository.js';
export { statusesBelow } from './ses-events.js';
export { base64Content } from './schemas.js';
// Privacy requests: the outbound-mail part of an export or a redaction.
export { exportEmailData, redactEmailData } from './privacy-repository.js';
// Retention (usage's schedule orchestrates): bodies and attachments of emails past their period.
export { purgeExpiredEmailContent } from './retention-repository.js';
