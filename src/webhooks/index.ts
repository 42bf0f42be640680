// What other capabilities use of outgoing webhooks: recording events with the change that
// raised them (their workflows then fan them out with fanOutWebhookEvents from workflows.ts).
export { insertWebhookEvents as recordWebhookEvents, findWebhookEventIdsBySource as webhookEventIdsOf, listUnplannedWebhookEvents } from './repository.js';
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../db/tables/webhooks.js';
// Privacy requests: the webhook part of an export or a redaction.
export { exportWebhookData, redactWebhookData } from './privacy-repository.js';
// Retention (usage's schedule orchestrates): delivery logs and event payloads past their period.
export { deleteExpiredWebhookAttempts, purgeExpiredWebhookEventPayloads } from './retention-repository.js';
