import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { type Db, type DbOrTrx, isUniqueViolation } from '../db/database.js';
import { isUuid } from '../db/uuid.js';
import type { CommerceAccountProvider, CommerceAccountsTable, CommerceEventsTable, SubscriptionsTable } from '../db/tables/commerce.js';

export type CommerceAccount = Selectable<CommerceAccountsTable>;
export type CommerceEvent = Selectable<CommerceEventsTable>;
export type Subscription = Selectable<SubscriptionsTable>;

/** A verified provider event as it is stored, before any organization may be known. */
export interface NewCommerceEvent {
  orgId: string | null;
  provider: string;
  eventId: string;
  topic: string;
  account: string | null;
  payload: Record<string, unknown>;
  /** Set where the provider's event id is not signed: the signed body dedupes too. */
  bodySha256?: Buffer;
}

/** The proven store or account a webhook names (any organization's: the webhook says whose it is); pending claims get nothing. */
export async function findCommerceAccount(db: DbOrTrx, provider: CommerceAccountProvider, account: string): Promise<CommerceAccount | undefined> {
  return db
    .selectFrom('commerce_accounts')
    .selectAll()
    .where('provider', '=', provider)
    .where('account', '=', account)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

export async function findCommerceAccountById(db: DbOrTrx, id: string): Promise<CommerceAccount | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('commerce_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Connects a store or account its owner proved through the provider's OAuth: the
 * organization's claim becomes active, other organizations' pending claims end, and a
 * claim kept from before proofs existed gives way. Undefined when another organization
 * holds it proven already. The access token is sealed for the row the claim ends up in
 * (an existing claim keeps its id), in the same transaction.
 */
export async function connectProvenAccount(
  db: Db,
  orgId: string,
  account: { provider: CommerceAccountProvider; account: string; sealAccessToken: ((accountId: string) => Buffer) | null; expectedTopics: string[] },
): Promise<CommerceAccount | undefined> {
  return db.transaction().execute(async (trx) => {
    const holder = await findCommerceAccount(trx, account.provider, account.account);
    if (holder && holder.org_id !== orgId && holder.verified_by !== 'grandfathered') return undefined;
    await trx
      .deleteFrom('commerce_accounts')
      .where('provider', '=', account.provider)
      .where('account', '=', account.account)
      .where('org_id', '<>', orgId)
      .execute();
    const proven = {
      secret_sealed: null,
      expected_topics: account.expectedTopics,
      status: 'active' as const,
      verified_by: 'oauth' as const,
      verified_at: sql<Date>`now()`,
      access_token_sealed: null,
    };
    const connected = await trx
      .insertInto('commerce_accounts')
      .values({ id: randomUUID(), org_id: orgId, provider: account.provider, account: account.account, ...proven })
      .onConflict((oc) => oc.columns(['provider', 'account', 'org_id']).doUpdateSet(proven))
      .returningAll()
      .executeTakeFirstOrThrow();
    if (!account.sealAccessToken) return connected;
    return trx
      .updateTable('commerce_accounts')
      .set({ access_token_sealed: account.sealAccessToken(connected.id) })
      .where('id', '=', connected.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Records an organization's claim that waits for an operator's check (Amazon sellers); its existing claim when it has one. */
export async function claimPendingAccount(
  db: DbOrTrx,
  orgId: string,
  account: { provider: CommerceAccountProvider; account: string },
): Promise<CommerceAccount> {
  const inserted = await db
    .insertInto('commerce_accounts')
    .values({ id: randomUUID(), org_id: orgId, provider: account.provider, account: account.account, secret_sealed: null, status: 'pending' })
    .onConflict((oc) => oc.columns(['provider', 'account', 'org_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return (
    inserted ??
    (await db
      .selectFrom('commerce_accounts')
      .selectAll()
      .where('provider', '=', account.provider)
      .where('account', '=', account.account)
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow())
  );
}

/**
 * An operator's verdict on a pending claim: it becomes the account's owner and the other
 * pending claims end. 'taken' when another organization holds the account proven.
 */
export async function activatePendingAccount(db: Db, id: string): Promise<CommerceAccount | 'taken' | undefined> {
  if (!isUuid(id)) return undefined;
  try {
    return await db.transaction().execute(async (trx) => {
      const activated = await trx
        .updateTable('commerce_accounts')
        .set({ status: 'active', verified_by: 'operator', verified_at: sql<Date>`now()` })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      if (!activated) return undefined;
      await trx
        .deleteFrom('commerce_accounts')
        .where('provider', '=', activated.provider)
        .where('account', '=', activated.account)
        .where('status', '=', 'pending')
        .execute();
      return activated;
    });
  } catch (error) {
    // The unique index on proven accounts.
    if (isUniqueViolation(error)) return 'taken';
    throw error;
  }
}

/** Claims waiting for an operator, across organizations. */
export async function listPendingAccounts(db: DbOrTrx) {
  return db
    .selectFrom('commerce_accounts')
    .select(['id', 'org_id', 'provider', 'account', 'created_at'])
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .execute();
}

export async function recordRegisteredTopics(db: DbOrTrx, id: string, topics: string[]): Promise<void> {
  await db.updateTable('commerce_accounts').set({ registered_topics: topics }).where('id', '=', id).execute();
}

export async function listCommerceAccounts(db: DbOrTrx, orgId: string) {
  return db
    .selectFrom('commerce_accounts')
    .select(['id', 'provider', 'account', 'status', 'verified_by', 'verified_at', 'expected_topics', 'registered_topics', 'created_at'])
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .execute();
}

/**
 * Stores a verified event once per provider event id (and per signed body where set).
 * A repeat answers the stored event's id, so its workflow can be started again: a
 * provider's retry after a crash between storing and starting still gets it applied.
 */
export async function insertCommerceEvent(db: DbOrTrx, event: NewCommerceEvent): Promise<{ id: string; stored: 'new' | 'duplicate' }> {
  const inserted = await db
    .insertInto('commerce_events')
    .values({
      id: randomUUID(),
      org_id: event.orgId,
      provider: event.provider,
      event_id: event.eventId,
      topic: event.topic,
      account: event.account,
      payload: JSON.stringify(event.payload),
      body_sha256: event.bodySha256 ?? null,
      processed_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, stored: 'new' };
  const existing = await db
    .selectFrom('commerce_events')
    .select('id')
    .where('provider', '=', event.provider)
    .where((eb) => eb.or([eb('event_id', '=', event.eventId), ...(event.bodySha256 ? [eb('body_sha256', '=', event.bodySha256)] : [])]))
    .executeTakeFirstOrThrow();
  return { id: existing.id, stored: 'duplicate' };
}

/** Locks one stored event for applying; undefined when it does not exist. */
export async function lockCommerceEvent(db: DbOrTrx, eventId: string): Promise<CommerceEvent | undefined> {
  return db.selectFrom('commerce_events').selectAll().where('id', '=', eventId).forUpdate().executeTakeFirst();
}

/** Marks an event applied, with the organization it turned out to be about. */
export async function markCommerceEventProcessed(db: DbOrTrx, eventId: string, orgId: string | null): Promise<void> {
  await db
    .updateTable('commerce_events')
    .set({ processed_at: sql`now()`, org_id: orgId })
    .where('id', '=', eventId)
    .execute();
}

export async function listCommerceEvents(db: DbOrTrx, orgId: string) {
  return db
    .selectFrom('commerce_events')
    .select(['id', 'provider', 'event_id', 'topic', 'account', 'received_at', 'processed_at'])
    .where('org_id', '=', orgId)
    .orderBy('received_at', 'desc')
    .limit(100)
    .execute();
}

/** An order or return kept current: created on its first event, replaced by each later one. */
export async function upsertOrder(
  db: DbOrTrx,
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
    payload: Record<string, unknown>;
    /** The provider's own last-change time of this payload; an update older than the stored one changes nothing. */
    sourceUpdatedAt?: string;
  },
): Promise<void> {
  const changedAt = order.sourceUpdatedAt ? new Date(order.sourceUpdatedAt) : undefined;
  const newer = changedAt && !Number.isNaN(changedAt.getTime()) ? changedAt : undefined;
  const values = {
    customer_id: order.customerId,
    status: order.status,
    total: order.total,
    currency: order.currency,
    payload: JSON.stringify(order.payload),
    updated_at: sql<Date>`now()`,
  };
  await db
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
    .onConflict((oc) => {
      const update = oc.columns(['org_id', 'provider', 'kind', 'external_id']).doUpdateSet(values);
      return newer
        ? update.where(
            sql<boolean>`coalesce(case when orders.payload->>'updated_at' ~ '^[0-9]{4}-' then (orders.payload->>'updated_at')::timestamptz end, '-infinity') <= ${newer}`,
          )
        : update;
    })
    .execute();
}

export async function listOrders(db: DbOrTrx, orgId: string, filter: { customerId?: string; limit: number; after?: { at: Date; id: string } }) {
  let query = db
    .selectFrom('orders')
    .select(['id', 'provider', 'account', 'kind', 'external_id', 'customer_id', 'status', 'total', 'currency', 'updated_at'])
    .where('org_id', '=', orgId);
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  if (filter.after) query = query.where(sql<boolean>`(updated_at, id) < (${filter.after.at}, ${filter.after.id}::uuid)`);
  return query.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function findSubscription(db: DbOrTrx, orgId: string): Promise<Subscription | undefined> {
  return db.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

/** The organization whose subscription has this Stripe customer. */
export async function findOrgIdByStripeCustomer(db: DbOrTrx, stripeCustomerId: string): Promise<string | undefined> {
  return (await db.selectFrom('subscriptions').select('org_id').where('stripe_customer_id', '=', stripeCustomerId).executeTakeFirst())?.org_id;
}

/** The organization's subscription row, created empty when new, locked until the transaction ends. */
export async function lockSubscription(db: DbOrTrx, orgId: string): Promise<Subscription> {
  await db
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
  return db.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId).forUpdate().executeTakeFirstOrThrow();
}

export type SubscriptionChange = Partial<
  Pick<Subscription, 'stripe_customer_id' | 'stripe_subscription_id' | 'plan' | 'status' | 'current_period_end' | 'last_payment_status' | 'last_payment_at'>
> & { last_event_created: number };

export async function updateSubscription(db: DbOrTrx, orgId: string, change: SubscriptionChange): Promise<void> {
  await db
    .updateTable('subscriptions')
    .set({ ...change, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .execute();
}

/** Events stored before `before` and not applied yet, oldest first: for the sweep. */
export async function listUnprocessedCommerceEvents(db: DbOrTrx, before: Date, limit: number): Promise<{ id: string; org_id: string | null }[]> {
  return db
    .selectFrom('commerce_events')
    .select(['id', 'org_id'])
    .where('processed_at', 'is', null)
    .where('received_at', '<', before)
    .orderBy('received_at')
    .limit(limit)
    .execute();
}

/**
 * A customer's newest Stripe subscription among the events of the organization's connected
 * Stripe account: the Stripe customers with this email (customer, checkout and invoice
 * events name it), then their newest customer.subscription.* event.
 */
export async function findStripeSubscriptionOfEmail(db: DbOrTrx, orgId: string, email: string) {
  const address = email.toLowerCase();
  const row = await sql<{ topic: string; subscription: Record<string, any> }>`
    with stripe_customers as (
      select coalesce(payload->'data'->'object'->>'customer', payload->'data'->'object'->>'id') as id
      from commerce_events
      where org_id = ${orgId} and provider = 'stripe_connect'
        and (
          (topic in ('customer.created', 'customer.updated') and lower(payload->'data'->'object'->>'email') = ${address})
          or lower(payload->'data'->'object'->'customer_details'->>'email') = ${address}
          or lower(payload->'data'->'object'->>'customer_email') = ${address}
        )
    )
    select topic, payload->'data'->'object' as subscription
    from commerce_events
    where org_id = ${orgId} and provider = 'stripe_connect' and topic like 'customer.subscription.%'
      and payload->'data'->'object'->>'customer' in (select id from stripe_customers where id is not null)
    order by (payload->>'created')::bigint desc nulls last, received_at desc
    limit 1
  `.execute(db);
  return row.rows[0];
}
