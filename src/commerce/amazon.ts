import type { DbOrTrx } from '../db/database.js';
import { findCustomerByEmail } from '../helpdesk/index.js';
import { upsertOrder } from './repository.js';

type Json = Record<string, any>;

/** The first value of `key` anywhere in a notification (SP-API payloads nest it differently per type). */
function findKey(value: unknown, key: string): unknown {
  if (!value || typeof value !== 'object') return undefined;
  if (key in (value as Json)) return (value as Json)[key];
  for (const child of Object.values(value as Json)) {
    const found = findKey(child, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** An Amazon order or return notification kept as the seller organization's order, with its buyer when Relay knows them. */
export async function applyAmazonEvent(trx: DbOrTrx, orgId: string, seller: string, payload: Json): Promise<void> {
  const orderId = findKey(payload, 'AmazonOrderId');
  const returnId = findKey(payload, 'ReturnId') ?? findKey(payload, 'RmaId');
  if (!orderId && !returnId) return;
  const buyerEmail = findKey(payload, 'BuyerEmail');
  const customer = typeof buyerEmail === 'string' ? await findCustomerByEmail(trx, orgId, buyerEmail) : undefined;
  await upsertOrder(trx, {
    orgId,
    provider: 'amazon',
    account: seller,
    externalId: String(returnId ?? orderId),
    kind: returnId ? 'return' : 'order',
    customerId: customer?.id ?? null,
    status: (findKey(payload, 'OrderStatus') as string | undefined) ?? (findKey(payload, 'ReturnStatus') as string | undefined) ?? null,
    total: null,
    currency: null,
    payload,
  });
}
