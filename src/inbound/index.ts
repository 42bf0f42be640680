// What other capabilities use of inbound email: storing a verified message for the inbound
// pipeline; an organization's support addresses and what a received message was sent to.
export { findInboundRecipients, listInboundAddresses, storeInbound } from './repository.js';
