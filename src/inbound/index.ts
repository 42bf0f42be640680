// What other capabilities use of inbound email: storing a verified message for the inbound
// pipeline; an organization's support addresses, what a received message was sent to, and
// its attachments (the helpdesk shows and serves them).
export { findAttachmentOfOrg, findInboundRecipients, listAttachmentsOfInbound, listInboundAddresses, storeInbound } from './repository.js';
