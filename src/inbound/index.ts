// What other capabilities use of inbound email: storing a verified message for the inbound pipeline.
export { storeInbound } from './repository.js';
// Retention (usage's schedule orchestrates): raw requests, bodies, attachments and routing logs past their period.
export { deleteExpiredRoutingAttempts, purgeExpiredInboundContent } from './retention-repository.js';
