// What other capabilities use of commerce: the sweep's view of events stored but never
// applied, and a helpdesk customer's orders and Stripe subscription.
export { findStripeSubscriptionOfEmail, listOrders, listUnprocessedCommerceEvents } from './repository.js';
// Retention (usage's schedule orchestrates): raw payloads of applied events past their period.
export { purgeExpiredCommercePayloads } from './retention-repository.js';
