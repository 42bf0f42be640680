import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { COMMERCE_ACCOUNT_PROVIDERS } from '../db/tables/commerce.js';
import { EncryptionUnavailable, type SecretBox } from '../security/encryption.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import { listGdprRequests } from './gdpr-repository.js';
import { connectCommerceAccount, findSubscription, listCommerceAccounts, listCommerceEvents, listOrders } from './repository.js';
import { SHOPIFY_TOPICS } from './shopify.js';

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
    const row = await connectCommerceAccount(db, orgId, {
      provider: request.provider,
      account: request.account,
      secretSealed: sealed,
      expectedTopics: expected,
    });
    if (!row) throw new ApiError('conflict', 'this account is already connected');
    // The topics listed here are the webhooks Relay expects from the store (and registers there).
    res.status(201).json({ id: row.id, provider: row.provider, account: row.account, expected_topics: row.expected_topics });
  });

  router.get('/api/v1/commerce/accounts', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    res.json({ data: await listCommerceAccounts(db, orgId) });
  });

  router.get('/api/v1/billing/subscription', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const row = await findSubscription(db, orgId);
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
    res.json({ data: await listOrders(db, orgId, { customerId, limit }) });
  });

  router.get('/api/v1/commerce/events', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    res.json({ data: await listCommerceEvents(db, orgId) });
  });

  router.get('/api/v1/gdpr-requests', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const rows = await listGdprRequests(db, orgId);
    res.json({ data: rows.map((row) => ({ ...row, received_at: row.received_at.toISOString(), completed_at: row.completed_at?.toISOString() ?? null })) });
  });

  return router;
}
