import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import type { Db, DbOrTrx } from '../db/database.js';
import { advanceEmailStatus, findEmail, insertEmailEvents } from '../emails/repository.js';
import { insertWebhookEvents } from '../webhooks/repository.js';
import type { Customer } from '../db/tables/helpdesk.js';
import { statusesBelow } from '../emails/ses-events.js';
import type { EmailStatus } from '../db/tables/emails.js';
import type { EmailEventType } from '../db/tables/email-events.js';
import { customerData } from '../helpdesk/events.js';
import type { Logger } from '../observability/logger.js';
import { isUuid } from '../db/uuid.js';

export interface CommerceActivityDeps {
  db: Db;
  logger: Logger;
}

type Json = Record<string, any>;
type WebhookEvent = { type: string; data: Record<string, unknown> };

const REDACTED = '[redacted]';

/** Relay customers linked to a shop: the one Shopify customer `shopCustomerId`, or all of the shop's. */
async function shopLinkedCustomers(trx: DbOrTrx, orgId: string, shop: string, shopCustomerId?: string | number): Promise<Customer[]> {
  const query = trx
    .selectFrom('channel_identities')
    .innerJoin('customers', 'customers.id', 'channel_identities.customer_id')
    .selectAll('customers')
    .where('channel_identities.org_id', '=', orgId)
    .where('channel_type', '=', 'shopify');
  return shopCustomerId === undefined
    ? query.where('identity', 'like', `${shop}:%`).execute()
    : query.where('identity', '=', `${shop}:${shopCustomerId}`).execute();
}

/** A Shopify customer kept as a Relay customer: by its Shopify id, else by email; created when new. */
async function upsertShopCustomer(trx: DbOrTrx, orgId: string, shop: string, shopCustomer: Json, events: WebhookEvent[]): Promise<Customer | undefined> {
  if (!shopCustomer?.id) return undefined;
  const identity = `${shop}:${shopCustomer.id}`;
  const name = [shopCustomer.first_name, shopCustomer.last_name].filter(Boolean).join(' ') || null;
  const email = typeof shopCustomer.email === 'string' ? shopCustomer.email.toLowerCase() : null;
  const phone = typeof shopCustomer.phone === 'string' ? shopCustomer.phone : null;
  const [linked] = await shopLinkedCustomers(trx, orgId, shop, shopCustomer.id);
  const existing =
    linked ?? (email ? await trx.selectFrom('customers').selectAll().where('org_id', '=', orgId).where('email', '=', email).executeTakeFirst() : undefined);
  if (!existing) {
    const created = await trx.insertInto('customers').values({ id: randomUUID(), org_id: orgId, email, name, phone }).returningAll().executeTakeFirstOrThrow();
    await trx.insertInto('channel_identities').values({ org_id: orgId, channel_type: 'shopify', identity, customer_id: created.id }).execute();
    events.push({ type: 'customer.created', data: customerData(created) });
    return created;
  }
  if (!linked)
    await trx
      .insertInto('channel_identities')
      .values({ org_id: orgId, channel_type: 'shopify', identity, customer_id: existing.id })
      .onConflict((oc) => oc.doNothing())
      .execute();
  const change = { email: email ?? existing.email, name: name ?? existing.name, phone: phone ?? existing.phone };
  const changed = (Object.keys(change) as (keyof typeof change)[]).filter((field) => change[field] !== existing[field]);
  if (changed.length === 0) return existing;
  const updated = await trx
    .updateTable('customers')
    .set({ ...change, updated_at: sql`now()` })
    .where('id', '=', existing.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  events.push({
    type: 'customer.updated',
    data: { ...customerData(updated), changes: Object.fromEntries(changed.map((field) => [field, { from: existing[field], to: updated[field] }])) },
  });
  return updated;
}

async function upsertOrder(
  trx: DbOrTrx,
  order: {
    orgId: string;
    provider: string;
    account: string;
    externalId: string;
    kind?: 'order' | 'return';
    customerId: string | null;
    status: string | null;
    total: string | null;
    currency: string | null;
    payload: Json;
  },
) {
  const values = {
    customer_id: order.customerId,
    status: order.status,
    total: order.total,
    currency: order.currency,
    payload: JSON.stringify(order.payload),
    updated_at: sql<Date>`now()`,
  };
  await trx
    .insertInto('orders')
    .values({
      id: randomUUID(),
      org_id: order.orgId,
      provider: order.provider,
      account: order.account,
      external_id: order.externalId,
      kind: order.kind ?? 'order',
      ...values,
    })
    .onConflict((oc) => oc.columns(['org_id', 'provider', 'kind', 'external_id']).doUpdateSet(values))
    .execute();
}

/** The customers a GDPR request names, by Shopify id or email. */
async function gdprCustomers(trx: DbOrTrx, orgId: string, shop: string, subject: Json): Promise<Customer[]> {
  const ids = new Set<string>();
  if (subject?.id) {
    for (const customer of await shopLinkedCustomers(trx, orgId, shop, subject.id)) ids.add(customer.id);
  }
  if (typeof subject?.email === 'string') {
    const byEmail = await trx.selectFrom('customers').select('id').where('org_id', '=', orgId).where('email', '=', subject.email.toLowerCase()).execute();
    for (const row of byEmail) ids.add(row.id);
  }
  return ids.size
    ? trx
        .selectFrom('customers')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', 'in', [...ids])
        .execute()
    : [];
}

/** Everything Relay holds on these customers, for a GDPR data request. */
async function exportCustomers(trx: DbOrTrx, orgId: string, customers: Customer[]) {
  const ids = customers.map((customer) => customer.id);
  if (ids.length === 0) return { customers: [], tickets: [], messages: [], orders: [], inbound_emails: [] };
  const tickets = await trx.selectFrom('tickets').selectAll().where('org_id', '=', orgId).where('customer_id', 'in', ids).execute();
  const ticketIds = tickets.map((ticket) => ticket.id);
  const emails = customers.map((customer) => customer.email).filter((email): email is string => Boolean(email));
  return {
    customers,
    tickets,
    messages: ticketIds.length ? await trx.selectFrom('conversation_messages').selectAll().where('ticket_id', 'in', ticketIds).execute() : [],
    orders: await trx.selectFrom('orders').selectAll().where('org_id', '=', orgId).where('customer_id', 'in', ids).execute(),
    inbound_emails: emails.length
      ? await trx
          .selectFrom('inbound_messages')
          .select(['id', 'parsed', 'received_at'])
          .where('org_id', '=', orgId)
          .where(sql<boolean>`lower(parsed->'from'->>'address') in (${sql.join(emails)})`)
          .execute()
      : [],
  };
}

/** Erases these customers' personal data across customers, tickets, conversations, channel and inbound messages, and orders. */
async function redactCustomers(trx: DbOrTrx, orgId: string, customers: Customer[]): Promise<void> {
  const ids = customers.map((customer) => customer.id);
  if (ids.length === 0) return;
  const emails = customers.map((customer) => customer.email).filter((email): email is string => Boolean(email));
  const ticketIds = (await trx.selectFrom('tickets').select('id').where('org_id', '=', orgId).where('customer_id', 'in', ids).execute()).map((row) => row.id);
  if (ticketIds.length) {
    await trx
      .updateTable('conversation_messages')
      .set({ body_text: REDACTED, body_html: null, from_address: null, subject: null })
      .where('ticket_id', 'in', ticketIds)
      .execute();
    await trx
      .updateTable('channel_messages')
      .set({ body: null, sender: REDACTED, sender_name: null, payload: '{}' })
      .where('ticket_id', 'in', ticketIds)
      .execute();
    await trx.updateTable('tickets').set({ subject: REDACTED }).where('id', 'in', ticketIds).execute();
  }
  if (emails.length) {
    await trx
      .updateTable('inbound_messages')
      .set({ parsed: null, raw: Buffer.alloc(0) })
      .where('org_id', '=', orgId)
      .where(sql<boolean>`lower(parsed->'from'->>'address') in (${sql.join(emails)})`)
      .execute();
  }
  await trx.updateTable('orders').set({ payload: '{}', customer_id: null }).where('org_id', '=', orgId).where('customer_id', 'in', ids).execute();
  await trx.deleteFrom('channel_identities').where('org_id', '=', orgId).where('customer_id', 'in', ids).execute();
  await trx
    .updateTable('customers')
    .set({ email: null, name: null, phone: null, updated_at: sql`now()` })
    .where('id', 'in', ids)
    .execute();
}

const stripeObject = (payload: Json) => (payload.data?.object ?? {}) as Json;

/** The organization a Stripe event is about: the org id Relay put on the checkout or subscription, or the customer it knows. */
async function stripeOrg(trx: DbOrTrx, payload: Json): Promise<string | undefined> {
  const object = stripeObject(payload);
  const named = object.client_reference_id ?? object.metadata?.relay_org_id ?? object.subscription_details?.metadata?.relay_org_id;
  if (typeof named === 'string' && isUuid(named)) {
    const org = await trx.selectFrom('organizations').select('id').where('id', '=', named).executeTakeFirst();
    if (org) return org.id;
  }
  const customer = typeof object.customer === 'string' ? object.customer : undefined;
  if (!customer) return undefined;
  return (await trx.selectFrom('subscriptions').select('org_id').where('stripe_customer_id', '=', customer).executeTakeFirst())?.org_id;
}

async function applyStripe(trx: DbOrTrx, payload: Json): Promise<string | undefined> {
  const orgId = await stripeOrg(trx, payload);
  if (!orgId) return undefined;
  const object = stripeObject(payload);
  const created = Number(payload.created ?? 0);
  await trx
    .insertInto('subscriptions')
    .values({
      org_id: orgId,
      stripe_customer_id: null,
      stripe_subscription_id: null,
      plan: null,
      status: null,
      current_period_end: null,
      last_payment_status: null,
      last_payment_at: null,
      last_event_created: 0,
    })
    .onConflict((oc) => oc.column('org_id').doNothing())
    .execute();
  const current = await trx.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId).forUpdate().executeTakeFirstOrThrow();
  // Events can arrive out of order: one older than the newest applied changes nothing.
  if (created < Number(current.last_event_created)) return orgId;
  const item = object.items?.data?.[0];
  const change: Record<string, unknown> = { last_event_created: created, updated_at: sql`now()` };
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
  await trx.updateTable('subscriptions').set(change).where('org_id', '=', orgId).execute();
  return orgId;
}

const RESEND_TIMELINE: Record<string, EmailEventType> = {
  'email.delivered': 'delivered',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.delivery_delayed': 'delayed',
};

/** A Resend delivery event on the email Relay knows it by (Relay's tags on the send), if any. */
async function applyResend(trx: DbOrTrx, payload: Json): Promise<string | undefined> {
  const data = (payload.data ?? {}) as Json;
  const tags: Record<string, string> = Array.isArray(data.tags) ? Object.fromEntries(data.tags.map((tag: Json) => [tag.name, tag.value])) : (data.tags ?? {});
  const type = RESEND_TIMELINE[payload.type as string];
  if (!type || !tags.relay_org_id || !tags.relay_email_id) return undefined;
  const email = await findEmail(trx, tags.relay_org_id, tags.relay_email_id).catch(() => undefined);
  if (!email) return undefined;
  const recipients: (string | null)[] =
    type === 'opened' || type === 'clicked' ? [null] : ([] as string[]).concat(data.to ?? []).map((to) => String(to).toLowerCase());
  await insertEmailEvents(
    trx,
    recipients.map((recipient) => ({
      orgId: email.org_id,
      emailId: email.id,
      type,
      recipient,
      detail: {
        source: 'resend',
        resend_email_id: data.email_id,
        ...(data.click?.link ? { url: data.click.link } : {}),
        ...(data.bounce ? { bounce: data.bounce } : {}),
      },
    })),
  );
  const status: EmailStatus | undefined =
    type === 'delivered' ? 'delivered' : type === 'bounced' ? 'bounced' : type === 'complained' ? 'complained' : undefined;
  if (status) {
    await advanceEmailStatus(trx, email.org_id, email.id, status, statusesBelow(status));
  }
  return email.org_id;
}

function findKey(value: unknown, key: string): unknown {
  if (!value || typeof value !== 'object') return undefined;
  if (key in (value as Json)) return (value as Json)[key];
  for (const child of Object.values(value as Json)) {
    const found = findKey(child, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function createCommerceActivities({ db, logger }: CommerceActivityDeps) {
  return {
    /**
     * Applies one stored commerce event once (locked and marked processed in the same
     * transaction) and returns the webhook events it raised.
     */
    async applyCommerceEvent({ eventId }: { eventId: string }): Promise<{ eventIds: string[]; orgId: string | null }> {
      return db.transaction().execute(async (trx) => {
        const event = await trx.selectFrom('commerce_events').selectAll().where('id', '=', eventId).forUpdate().executeTakeFirst();
        if (!event) throw ApplicationFailure.nonRetryable(`no commerce event ${eventId}`, 'CommerceEventNotFound');
        if (event.processed_at) return { eventIds: [], orgId: event.org_id };
        const payload = event.payload as Json;
        const webhookEvents: WebhookEvent[] = [];
        let orgId = event.org_id;

        if (event.provider === 'shopify' && orgId && event.account) {
          if (event.topic === 'customers/create' || event.topic === 'customers/update') {
            await upsertShopCustomer(trx, orgId, event.account, payload, webhookEvents);
          } else if (event.topic === 'orders/create' || event.topic === 'orders/updated') {
            const customer = await upsertShopCustomer(
              trx,
              orgId,
              event.account,
              payload.customer ? { email: payload.email, ...payload.customer } : {},
              webhookEvents,
            );
            await upsertOrder(trx, {
              orgId,
              provider: 'shopify',
              account: event.account,
              externalId: String(payload.id),
              customerId: customer?.id ?? null,
              status: [payload.financial_status, payload.fulfillment_status].filter(Boolean).join('/') || null,
              total: payload.total_price ?? null,
              currency: payload.currency ?? null,
              payload,
            });
          }
        } else if (event.provider === 'shopify_gdpr' && orgId && event.account) {
          const topic = event.topic as 'customers/data_request' | 'customers/redact' | 'shop/redact';
          const request = await trx
            .insertInto('gdpr_requests')
            .values({
              id: randomUUID(),
              org_id: orgId,
              shop: event.account,
              topic,
              subject: JSON.stringify(payload.customer ?? { shop_id: payload.shop_id }),
              export: null,
              completed_at: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          let exported: unknown = null;
          if (topic === 'customers/data_request') {
            exported = await exportCustomers(trx, orgId, await gdprCustomers(trx, orgId, event.account, payload.customer));
          } else if (topic === 'customers/redact') {
            await redactCustomers(trx, orgId, await gdprCustomers(trx, orgId, event.account, payload.customer));
          } else {
            await redactCustomers(trx, orgId, await shopLinkedCustomers(trx, orgId, event.account));
            await trx.deleteFrom('orders').where('org_id', '=', orgId).where('provider', '=', 'shopify').where('account', '=', event.account).execute();
            await trx.updateTable('commerce_events').set({ payload: '{}' }).where('provider', '=', 'shopify').where('account', '=', event.account).execute();
          }
          await trx
            .updateTable('gdpr_requests')
            .set({ status: 'completed', completed_at: sql`now()`, export: exported === null ? null : JSON.stringify(exported) })
            .where('id', '=', request.id)
            .execute();
          // The request itself names the customer: kept as the compliance record, its payload emptied.
          await trx
            .updateTable('commerce_events')
            .set({ payload: JSON.stringify({ topic, completed: true }) })
            .where('id', '=', eventId)
            .execute();
        } else if (event.provider === 'stripe') {
          orgId = (await applyStripe(trx, payload)) ?? null;
        } else if (event.provider === 'resend') {
          orgId = (await applyResend(trx, payload)) ?? null;
        } else if (event.provider === 'amazon' && orgId) {
          const orderId = findKey(payload, 'AmazonOrderId');
          const returnId = findKey(payload, 'ReturnId') ?? findKey(payload, 'RmaId');
          const buyerEmail = findKey(payload, 'BuyerEmail');
          const customer =
            typeof buyerEmail === 'string'
              ? await trx.selectFrom('customers').select('id').where('org_id', '=', orgId).where('email', '=', buyerEmail.toLowerCase()).executeTakeFirst()
              : undefined;
          if (orderId || returnId) {
            await upsertOrder(trx, {
              orgId,
              provider: 'amazon',
              account: event.account ?? '',
              externalId: String(returnId ?? orderId),
              kind: returnId ? 'return' : 'order',
              customerId: customer?.id ?? null,
              status: (findKey(payload, 'OrderStatus') as string | undefined) ?? (findKey(payload, 'ReturnStatus') as string | undefined) ?? null,
              total: null,
              currency: null,
              payload,
            });
          }
        }

        await trx
          .updateTable('commerce_events')
          .set({ processed_at: sql`now()`, org_id: orgId })
          .where('id', '=', eventId)
          .execute();
        const eventIds = orgId && webhookEvents.length ? await insertWebhookEvents(trx, orgId, webhookEvents, eventId) : [];
        logger.info({ orgId, eventId, provider: event.provider, topic: event.topic }, 'commerce event applied');
        return { eventIds, orgId };
      });
    },
  };
}

export type CommerceActivities = ReturnType<typeof createCommerceActivities>;
