import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { COMMERCE_ACCOUNT_PROVIDERS } from '../db/tables/commerce.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import { listGdprRequests } from './gdpr-repository.js';
import { claimPendingAccount, findCommerceAccount, findSubscription, listCommerceAccounts, listCommerceEvents, listOrders } from './repository.js';
import { pageLimitParameter } from '../http/pagination.js';

/** How each provider's accounts are proven: Shopify and Stripe through their OAuth, Amazon by an operator. */
const CONNECT_THROUGH: Record<string, string> = {
  shopify: 'POST /api/v1/commerce/shopify/connect (Shopify OAuth install)',
  stripe_connect: 'POST /api/v1/commerce/stripe/connect (Stripe Connect OAuth)',
};

export const accountRequest = z.strictObject({
  // Every provider parses (the others get a 400 naming their OAuth); the document lists the one this route takes.
  provider: z.enum(COMMERCE_ACCOUNT_PROVIDERS).meta({ enum: COMMERCE_ACCOUNT_PROVIDERS.filter((provider) => !(provider in CONNECT_THROUGH)) }),
  /** amazon: the seller id. Shopify shops and Stripe Connect accounts connect through their OAuth instead. */
  account: z.string().trim().min(3).max(255),
});

/** Connected stores and accounts, the subscription Stripe reports, orders, and GDPR requests. */
export function commerceRoutes(deps: { db: Db; apiKeys: ApiKeyLookup }): Router {
  const { db, apiKeys } = deps;
  const router = Router();

  // An Amazon seller id proves nothing by itself: the claim waits for an operator, and
  // never blocks the seller's own organization meanwhile.
  router.post('/api/v1/commerce/accounts', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const request = parseOr400(accountRequest, req.body, 'account');
    const through = CONNECT_THROUGH[request.provider];
    if (through)
      throw new ApiError('validation_failed', `${request.provider} accounts connect through ${through}`, [{ path: 'provider', message: 'proof required' }]);
    if (await findCommerceAccount(db, request.provider, request.account).then((held) => held && held.org_id !== orgId)) {
      throw new ApiError('conflict', 'this account is already connected');
    }
    const row = await claimPendingAccount(db, orgId, { provider: request.provider, account: request.account });
    res.status(201).json({ id: row.id, provider: row.provider, account: row.account, status: row.status });
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
    const { customer_id: customerId, limit } = parseOr400(z.strictObject({ customer_id: z.uuid().optional(), limit: pageLimitParameter }), req.query, 'query');
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
