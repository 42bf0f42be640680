// What other capabilities use of inbound email: storing a verified message for the inbound
// pipeline, the sweep's view of messages its workflow never took, an organization's support
// addresses, what a received message was sent to, and its attachments (the helpdesk shows
// and serves them).
export {
  findAttachmentOfOrg,
  findInboundRecipients,
  listAttachmentsOfInbound,
  listInboundAddresses,
  listReceivedInboundOlderThan,
  storeInbound,
} from './repository.js';
// Privacy requests: the inbound part of an export or a redaction.
export { exportInboundData, redactInboundData } from './repository.js';
// Retention (usage's schedule orchestrates): raw requests, bodies, attachments and routing logs past their period.
export { deleteExpiredRoutingAttempts, purgeExpiredInboundContent } from './retention-repository.js';
