import type { DbOrTrx } from '../db/database.js';
import type { Customer } from '../db/tables/helpdesk.js';
import { createCustomer, customerData, findCustomerByEmail, findCustomersByChannelIdentity, linkChannelIdentity, updateCustomer } from '../helpdesk/index.js';
import { upsertOrder } from './repository.js';

type Json = Record<string, any>;
export type RaisedEvent = { type: string; data: Record<string, unknown> };

/** The webhook topics Relay expects from a connected shop (and registers there). */
export const SHOPIFY_TOPICS = ['orders/create', 'orders/updated', 'customers/create', 'customers/update'];

/** Relay customers linked to a shop: the one Shopify customer `shopCustomerId`, or all of the shop's. */
export async function shopCustomers(trx: DbOrTrx, orgId: string, shop: string, shopCustomerId?: string | number): Promise<Customer[]> {
  return findCustomersByChannelIdentity(
    trx,
    orgId,
    'shopify',
    shopCustomerId === undefined ? { identityPrefix: `${shop}:` } : { identity: `${shop}:${shopCustomerId}` },
  );
}

/** A Shopify customer kept as a Relay customer: by its Shopify id, else by email; created when new. */
async function upsertShopCustomer(trx: DbOrTrx, orgId: string, shop: string, shopCustomer: Json, events: RaisedEvent[]): Promise<Customer | undefined> {
  if (!shopCustomer?.id) return undefined;
  const identity = { orgId, channelType: 'shopify', identity: `${shop}:${shopCustomer.id}` };
  const name = [shopCustomer.first_name, shopCustomer.last_name].filter(Boolean).join(' ') || null;
  const email = typeof shopCustomer.email === 'string' ? shopCustomer.email.toLowerCase() : null;
  const phone = typeof shopCustomer.phone === 'string' ? shopCustomer.phone : null;
  const [linked] = await shopCustomers(trx, orgId, shop, shopCustomer.id);
  const existing = linked ?? (email ? await findCustomerByEmail(trx, orgId, email) : undefined);
  if (!existing) {
    const created = await createCustomer(trx, orgId, { email, name, phone });
    await linkChannelIdentity(trx, { ...identity, customerId: created.id });
    events.push({ type: 'customer.created', data: customerData(created) });
    return created;
  }
  if (!linked) await linkChannelIdentity(trx, { ...identity, customerId: existing.id }, { keepExisting: true });
  const change = { email: email ?? existing.email, name: name ?? existing.name, phone: phone ?? existing.phone };
  const changed = (Object.keys(change) as (keyof typeof change)[]).filter((field) => change[field] !== existing[field]);
  if (changed.length === 0) return existing;
  const updated = await updateCustomer(trx, existing.id, change);
  events.push({
    type: 'customer.updated',
    data: { ...customerData(updated), changes: Object.fromEntries(changed.map((field) => [field, { from: existing[field], to: updated[field] }])) },
  });
  return updated;
}

/** A customer or order webhook of a connected shop: the customer kept current, an order with its customer. */
export async function applyShopifyEvent(trx: DbOrTrx, orgId: string, shop: string, topic: string, payload: Json, events: RaisedEvent[]): Promise<void> {
  if (topic === 'customers/create' || topic === 'customers/update') {
    await upsertShopCustomer(trx, orgId, shop, payload, events);
  } else if (topic === 'orders/create' || topic === 'orders/updated') {
    const customer = await upsertShopCustomer(trx, orgId, shop, payload.customer ? { email: payload.email, ...payload.customer } : {}, events);
    await upsertOrder(trx, {
      orgId,
      provider: 'shopify',
      account: shop,
      externalId: String(payload.id),
      customerId: customer?.id ?? null,
      status: [payload.financial_status, payload.fulfillment_status].filter(Boolean).join('/') || null,
      total: payload.total_price ?? null,
      currency: payload.currency ?? null,
      payload,
      // Shopify may deliver an older update after a newer one: it never overwrites it.
      sourceUpdatedAt: typeof payload.updated_at === 'string' ? payload.updated_at : undefined,
    });
  }
}
