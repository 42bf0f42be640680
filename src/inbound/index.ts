// What other capabilities use of inbound email: storing a verified message for the inbound
// pipeline, and the sweep's view of messages its workflow never took.
export { listReceivedInboundOlderThan, storeInbound } from './repository.js';
// Privacy requests: the inbound part of an export or a redaction.
export { exportInboundData, redactInboundData } from './repository.js';
