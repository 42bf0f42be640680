// What other capabilities use of outbound email: recognising mail Relay sent, and
// recording provider events about it on its timeline.
export { advanceEmailStatus, findEmail, findEmailOwnerBySesMessageId, findTicketNumberOfSentEmail, insertEmailEvents } from './repository.js';
export { statusesBelow } from './ses-events.js';
// Retention (usage's schedule orchestrates): bodies and attachments of emails past their period.
export { purgeExpiredEmailContent } from './retention-repository.js';
