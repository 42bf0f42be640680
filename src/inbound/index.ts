// What other capabilities use of inbound email: storing a verified message for the inbound pipeline.
export { storeInbound } from './repository.js';
// Privacy requests: the inbound part of an export or a redaction.
export { exportInboundData, redactInboundData } from './repository.js';
