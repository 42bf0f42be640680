import type { DataSubject } from '../db/data-subject.js';
import type { DbOrTrx } from '../db/database.js';
import type { Customer } from '../db/tables/helpdesk.js';
import { exportChannelData, redactChannelData } from '../channels/index.js';
import { exportEmailData, redactEmailData } from '../emails/index.js';
import { describeDataSubject, exportHelpdeskData, findCustomersByContact, redactHelpdeskData } from '../helpdesk/index.js';
import { exportInboundData, redactInboundData } from '../inbound/index.js';
import { redactSnsMessagesOfEmails } from '../sns/index.js';
import { exportWebhookData, redactWebhookData } from '../webhooks/index.js';
import {
  completeGdprRequest,
  emptyGdprEvent,
  exportCommerceData,
  insertGdprRequest,
  redactCommerceData,
  redactShopRecords,
  type GdprTopic,
} from './gdpr-repository.js';
import { shopCustomers } from './shopify.js';

type Json = Record<string, any>;

/** Shopify's mandatory compliance webhooks. */
export const GDPR_TOPICS: readonly string[] = ['customers/data_request', 'customers/redact', 'shop/redact'] satisfies GdprTopic[];

/**
 * Who a request is about: the helpdesk customers linked to the Shopify customer id, or
 * with its email or phone — and then those sharing a contact detail with them (a caller
 * known only by the number on the Shopify record, say). Two rounds, no more.
 */
async function dataSubject(trx: DbOrTrx, orgId: string, shop: string, customer: Json | undefined): Promise<DataSubject> {
  const contact = {
    emails: typeof customer?.email === 'string' && customer.email ? [customer.email.toLowerCase()] : [],
    phones: typeof customer?.phone === 'string' && customer.phone ? [customer.phone] : [],
  };
  const found = new Map<string, Customer>();
  const add = (customers: Customer[]) => customers.forEach((one) => found.set(one.id, one));
  if (customer?.id) add(await shopCustomers(trx, orgId, shop, customer.id));
  add(await findCustomersByContact(trx, orgId, contact));
  const first = await describeDataSubject(trx, orgId, [...found.values()], contact);
  add(await findCustomersByContact(trx, orgId, first));
  return describeDataSubject(trx, orgId, [...found.values()], contact);
}

/** Everything each capability holds on the subject. */
async function exportData(trx: DbOrTrx, subject: DataSubject) {
  return {
    ...(await exportHelpdeskData(trx, subject)),
    ...(await exportCommerceData(trx, subject)),
    ...(await exportInboundData(trx, subject)),
    ...(await exportEmailData(trx, subject)),
    ...(await exportWebhookData(trx, subject)),
    ...(await exportChannelData(trx, subject)),
  };
}

/** Each capability erases the subject from its tables; the helpdesk, which the others' lookups start from, goes last. */
async function redactData(trx: DbOrTrx, subject: DataSubject, providerCustomerIds: string[]): Promise<void> {
  await redactWebhookData(trx, subject);
  const { emailIds } = await redactEmailData(trx, subject);
  await redactSnsMessagesOfEmails(trx, subject.orgId, emailIds);
  await redactInboundData(trx, subject);
  await redactChannelData(trx, subject);
  await redactCommerceData(trx, subject, providerCustomerIds);
  await redactHelpdeskData(trx, subject);
}

/**
 * One Shopify GDPR request, answered and recorded: a data request exports what Relay holds
 * on the customer, a customer redaction erases it, a shop redaction erases the shop's
 * customers and orders. The request is kept as the compliance record, naming the
 * customer by Shopify id only.
 */
export async function applyGdprRequest(trx: DbOrTrx, request: { eventId: string; orgId: string; shop: string; topic: GdprTopic; payload: Json }) {
  const { orgId, shop, topic, payload } = request;
  const customer = payload.customer as Json | undefined;
  const record = topic === 'shop/redact' ? { shop_id: payload.shop_id ?? null } : { id: customer?.id ?? null };
  const requestId = await insertGdprRequest(trx, { orgId, shop, topic, subject: record });
  let exported: unknown = null;
  if (topic === 'customers/data_request') {
    exported = await exportData(trx, await dataSubject(trx, orgId, shop, customer));
  } else if (topic === 'customers/redact') {
    await redactData(trx, await dataSubject(trx, orgId, shop, customer), customer?.id ? [String(customer.id)] : []);
  } else {
    const customers = await shopCustomers(trx, orgId, shop);
    await redactData(trx, await describeDataSubject(trx, orgId, customers, { emails: [], phones: [] }), []);
    await redactShopRecords(trx, orgId, shop);
  }
  await completeGdprRequest(trx, orgId, requestId, exported);
  await emptyGdprEvent(trx, request.eventId, topic);
}
