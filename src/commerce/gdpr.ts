import type { DbOrTrx } from '../db/database.js';
import type { Customer } from '../db/tables/helpdesk.js';
import { findCustomerByEmail } from '../helpdesk/index.js';
import {
  completeGdprRequest,
  emptyGdprEvent,
  exportCustomerRecords,
  insertGdprRequest,
  redactCustomerRecords,
  redactShopRecords,
  type GdprTopic,
} from './gdpr-repository.js';
import { shopCustomers } from './shopify.js';

type Json = Record<string, any>;

/** Shopify's mandatory compliance webhooks. */
export const GDPR_TOPICS: readonly string[] = ['customers/data_request', 'customers/redact', 'shop/redact'] satisfies GdprTopic[];

/** The customers a GDPR request names, by Shopify id or email. */
async function subjectCustomers(trx: DbOrTrx, orgId: string, shop: string, subject: Json | undefined): Promise<Customer[]> {
  const found = new Map<string, Customer>();
  if (subject?.id) {
    for (const customer of await shopCustomers(trx, orgId, shop, subject.id)) found.set(customer.id, customer);
  }
  if (typeof subject?.email === 'string') {
    const customer = await findCustomerByEmail(trx, orgId, subject.email);
    if (customer) found.set(customer.id, customer);
  }
  return [...found.values()];
}

/**
 * One Shopify GDPR request, answered and recorded: a data request exports what Relay holds
 * on the customer, a customer redaction erases it, a shop redaction erases the shop's
 * customers and orders. The request is kept as the compliance record.
 */
export async function applyGdprRequest(trx: DbOrTrx, request: { eventId: string; orgId: string; shop: string; topic: GdprTopic; payload: Json }) {
  const { orgId, shop, topic, payload } = request;
  const requestId = await insertGdprRequest(trx, { orgId, shop, topic, subject: payload.customer ?? { shop_id: payload.shop_id } });
  let exported: unknown = null;
  if (topic === 'customers/data_request') {
    exported = await exportCustomerRecords(trx, orgId, await subjectCustomers(trx, orgId, shop, payload.customer));
  } else if (topic === 'customers/redact') {
    await redactCustomerRecords(trx, orgId, await subjectCustomers(trx, orgId, shop, payload.customer));
  } else {
    await redactCustomerRecords(trx, orgId, await shopCustomers(trx, orgId, shop));
    await redactShopRecords(trx, orgId, shop);
  }
  await completeGdprRequest(trx, orgId, requestId, exported);
  await emptyGdprEvent(trx, request.eventId, topic);
}
