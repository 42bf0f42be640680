// What other capabilities use of inbound email: storing a verified message for the inbound pipeline.
export { storeInbound } from './repository.js';
