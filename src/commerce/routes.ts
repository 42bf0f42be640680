import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { COMMERCE_ACCOUNT_PROVIDERS } from '../db/tables/commerce.js';
import { EncryptionUnavailable, type SecretBox } from '../security/encryption.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import { SHOPIFY_TOPICS } from './webhook-routes.js';

export const accountRequest = z.strictObject({
  provider: z.enum(COMMERCE_ACCOUNT_PROVIDERS),
  /** shopify: the shop domain; stripe_connect: the connected account id (acct_…); amazon: the seller id. */
  account: z.string().trim().min(3).max(255),
  /** shopify: the webhook signing secret. */
  secret: z.string().min(8).max(512).optional(),
});

/** Connected stores and accounts, the subscription Stripe reports, orders, and GDPR requests. */
export function commerceRoutes(deps: { db: Db; apiKeys: ApiKeyLookup; secretBox: SecretBox }): Router {
  const { db, apiKeys } = deps;
  const router = Router();

  router.post('/api/v1/commerce/accounts', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const request = parseOr400(accountRequest, req.body, 'account');
    if (request.provider === 'shopify' && !request.secret)
      throw new ApiError('validation_failed', 'a Shopify shop needs its webhook secret', [{ path: 'secret', message: 'required' }]);
    let sealed: Buffer | null;
    try {
      sealed = request.secret ? deps.secretBox.seal(request.secret) : null;
    } catch (error) {
      if (error instanceof EncryptionUnavailable) throw new ApiError('service_unavailable', 'this needs RELAY_ENCRYPTION_KEY on the server');
      throw error;
    }
    const expected = request.provider === 'shopify' ? SHOPIFY_TOPICS : [];
    const row = await db
      .insertInto('commerce_accounts')
      .values({ id: randomUUID(), org_id: orgId, provider: request.provider, account: request.account, secret_sealed: sealed, expected_topics: expected })
      .onConflict((oc) => oc.columns(['provider', 'account']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ApiError('conflict', 'this account is already connected');
    // The topics listed here are the webhooks Relay expects from the store (and registers there).
    res.status(201).json({ id: row.id, provider: row.provider, account: row.account, expected_topics: row.expected_topics });
  });

  router.get('/api/v1/commerce/accounts', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const rows = await db
      .selectFrom('commerce_accounts')
      .select(['id', 'provider', 'account', 'expected_topics', 'created_at'])
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .execute();
    res.json({ data: rows });
  });

  router.get('/api/v1/billing/subscription', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const row = await db.selectFrom('subscriptions').selectAll().where('org_id', '=', orgId).executeTakeFirst();
    if (!row) throw new ApiError('not_found', 'no subscription is known for this organization');
    res.json({
      plan: row.plan,
      status: row.status,
      current_period_end: row.current_period_end?.toISOString() ?? null,
      last_payment: row.last_payment_status ? { status: row.last_payment_status, at: row.last_payment_at?.toISOString() ?? null } : null,
      stripe_customer_id: row.stripe_customer_id,
      stripe_subscription_id: row.stripe_subscription_id,
    });
  });

  router.get('/api/v1/commerce/orders', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const { customer_id: customerId, limit } = parseOr400(
      z.strictObject({ customer_id: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(100).default(25) }),
      req.query,
      'query',
    );
    let query = db
      .selectFrom('orders')
      .select(['id', 'provider', 'account', 'kind', 'external_id', 'customer_id', 'status', 'total', 'currency', 'updated_at'])
      .where('org_id', '=', orgId);
    if (customerId) query = query.where('customer_id', '=', customerId);
    res.json({ data: await query.orderBy('updated_at', 'desc').limit(limit).execute() });
  });

  router.get('/api/v1/commerce/events', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const rows = await db
      .selectFrom('commerce_events')
      .select(['id', 'provider', 'event_id', 'topic', 'account', 'received_at', 'processed_at'])
      .where('org_id', '=', orgId)
      .orderBy('received_at', 'desc')
      .limit(100)
      .execute();
    res.json({ data: rows });
  });

  router.get('/api/v1/gdpr-requests', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const rows = await db.selectFrom('gdpr_requests').selectAll().where('org_id', '=', orgId).orderBy('received_at', 'desc').limit(100).execute();
    res.json({ data: rows.map((row) => ({ ...row, received_at: row.received_at.toISOString(), completed_at: row.completed_at?.toISOString() ?? null })) });
  });

  return router;
}
