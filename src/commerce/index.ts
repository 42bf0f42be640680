// What other capabilities use of commerce: a helpdesk customer's orders and Stripe subscription.
export { findStripeSubscriptionOfEmail, listOrders } from './repository.js';
