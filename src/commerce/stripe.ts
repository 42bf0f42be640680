import { findOrganization } from '../auth/repository.js';
import type { DbOrTrx } from '../db/database.js';
import { isUuid } from '../db/uuid.js';
import { findOrgIdByStripeCustomer, lockSubscription, updateSubscription, type SubscriptionChange } from './repository.js';

type Json = Record<string, any>;

const stripeObject = (payload: Json) => (payload.data?.object ?? {}) as Json;

/**
 * The organization a Stripe event is about: the relay_org_id metadata put on the checkout
 * or subscription through Stripe's API (only the account's secret key can set it), or the
 * customer Relay already knows. client_reference_id is never trusted: anyone can put any
 * value on a payment link's URL.
 */
async function stripeOrg(trx: DbOrTrx, payload: Json): Promise<string | undefined> {
  const object = stripeObject(payload);
  const named = object.metadata?.relay_org_id ?? object.subscription_details?.metadata?.relay_org_id;
  if (typeof named === 'string' && isUuid(named)) {
    const org = await findOrganization(trx, named);
    if (org) return org.id;
  }
  const customer = typeof object.customer === 'string' ? object.customer : undefined;
  if (!customer) return undefined;
  return findOrgIdByStripeCustomer(trx, customer);
}

/** Keeps the organization's subscription as Stripe reports it; returns the organization, when known. */
export async function applyStripeEvent(trx: DbOrTrx, payload: Json): Promise<string | undefined> {
  const orgId = await stripeOrg(trx, payload);
  if (!orgId) return undefined;
  const object = stripeObject(payload);
  const created = Number(payload.created ?? 0);
  const current = await lockSubscription(trx, orgId);
  // Events can arrive out of order: one older than the newest applied changes nothing.
  if (created < Number(current.last_event_created)) return orgId;
  const item = object.items?.data?.[0];
  const change: SubscriptionChange = { last_event_created: created };
  if (typeof object.customer === 'string') change.stripe_customer_id = object.customer;
  switch (payload.type) {
    case 'checkout.session.completed':
      if (typeof object.subscription === 'string') change.stripe_subscription_id = object.subscription;
      break;
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      change.stripe_subscription_id = object.id;
      change.status = payload.type === 'customer.subscription.deleted' ? 'canceled' : object.status;
      change.plan = item?.price?.lookup_key ?? item?.price?.nickname ?? item?.price?.id ?? object.plan?.id ?? null;
      const periodEnd = object.current_period_end ?? item?.current_period_end;
      if (typeof periodEnd === 'number') change.current_period_end = new Date(periodEnd * 1000);
      break;
    }
    case 'invoice.payment_succeeded':
    case 'invoice.payment_failed':
      change.last_payment_status = payload.type === 'invoice.payment_succeeded' ? 'succeeded' : 'failed';
      change.last_payment_at = new Date(created * 1000);
      break;
  }
  await updateSubscription(trx, orgId, change);
  return orgId;
}
