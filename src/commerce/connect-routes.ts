import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { requireAdminKey } from '../auth/admin-key.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { sendMessagePage } from '../http/message-page.js';
import { parseOr400 } from '../http/validate.js';
import { describeFailure } from '../integrations/http.js';
import type { ShopifyClient } from '../integrations/shopify.js';
import type { StripeConnectClient } from '../integrations/stripe-connect.js';
import type { Logger } from '../observability/logger.js';
import type { SecretBox } from '../security/encryption.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { newOauthState, OAUTH_STATE_TTL_MS, oauthStateHash, shopDomain, shopifyQuerySigned } from './oauth.js';
import { consumeOauthState, insertOauthState } from './oauth-repository.js';
import { activatePendingAccount, connectProvenAccount, listPendingAccounts } from './repository.js';
import { SHOPIFY_TOPICS } from './shopify.js';

export interface ConnectRouteDeps {
  db: Db;
  apiKeys: ApiKeyLookup;
  adminKey: string | undefined;
  secretBox: SecretBox;
  workflows: Pick<WorkflowStarter, 'startShopifyWebhookRegistration'>;
  logger: Logger;
  publicUrl: string;
  /** Relay's Shopify app and Stripe Connect platform; undefined when not configured. */
  shopify: { client: ShopifyClient; apiSecret: string } | undefined;
  stripeConnect: StripeConnectClient | undefined;
}

export const shopifyConnectRequest = z.strictObject({ shop: shopDomain });

/** The callback's query, every parameter a single string (a repeated one is refused). */
function plainQuery(req: Request): Record<string, string> | undefined {
  const entries = Object.entries(req.query);
  return entries.every(([, value]) => typeof value === 'string') ? (Object.fromEntries(entries) as Record<string, string>) : undefined;
}

/**
 * Proof of ownership for commerce accounts: a Shopify shop connects through Shopify's
 * OAuth install (the callback's `hmac` and `shop` verified, then the code exchanged for
 * the shop's token and Relay's webhooks registered on the shop), a Stripe Connect account
 * through Connect OAuth (the account is whoever approved). Each install carries a one-time
 * `state` bound to the organization that started it, so a forged or replayed callback
 * connects nothing. Amazon sellers are verified by an operator.
 */
export function commerceConnectRoutes(deps: ConnectRouteDeps): Router {
  const { db, apiKeys, logger } = deps;
  const router = Router();
  const shopifyCallback = `${deps.publicUrl}/api/commerce/shopify/callback`;
  const stripeCallback = `${deps.publicUrl}/api/commerce/stripe/callback`;

  router.post('/api/v1/commerce/shopify/connect', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const { shop } = parseOr400(shopifyConnectRequest, req.body, 'shop');
    if (!deps.shopify) throw new ApiError('service_unavailable', 'Shopify is not configured on this Relay (SHOPIFY_API_KEY, SHOPIFY_API_SECRET)');
    const { state, hash } = newOauthState();
    await insertOauthState(db, hash, { orgId, provider: 'shopify', shop }, OAUTH_STATE_TTL_MS);
    res.status(201).json({ authorize_url: deps.shopify.client.authorizeUrl(shop, state, shopifyCallback), expires_in: OAUTH_STATE_TTL_MS / 1000 });
  });

  router.get('/api/commerce/shopify/callback', async (req, res) => {
    if (!deps.shopify) return sendMessagePage(res, 503, 'Shopify is not configured on this Relay.');
    const query = plainQuery(req);
    // Shopify's signature first: a forged request must not even use up an install's state.
    if (!query || !shopifyQuerySigned(query, deps.shopify.apiSecret)) return sendMessagePage(res, 401, 'This request is not signed by Shopify.');
    const shop = shopDomain.safeParse(query.shop);
    if (!shop.success || !query.code || !query.state) return sendMessagePage(res, 400, 'This request does not name a shop, a code and a state.');
    const started = await consumeOauthState(db, oauthStateHash(query.state), 'shopify');
    if (!started || started.shop !== shop.data)
      return sendMessagePage(res, 400, 'This install link is not valid (any more): start connecting the shop again from Relay.');
    if (deps.secretBox.keyId === undefined) return sendMessagePage(res, 503, 'This Relay cannot keep the shop’s token: RELAY_ENCRYPTION_KEY is not set.');
    let accessToken: string;
    try {
      ({ accessToken } = await deps.shopify.client.exchangeCode(shop.data, query.code));
    } catch (error) {
      logger.warn({ orgId: started.orgId, shop: shop.data, err: error }, 'Shopify OAuth code exchange failed');
      return sendMessagePage(res, 502, `Shopify did not complete the install: ${describeFailure(error)}`);
    }
    const connected = await connectProvenAccount(db, started.orgId, {
      provider: 'shopify',
      account: shop.data,
      sealAccessToken: (accountId) => deps.secretBox.seal(accessToken, { table: 'commerce_accounts', column: 'access_token_sealed', rowId: accountId }),
      expectedTopics: SHOPIFY_TOPICS,
    });
    if (!connected) return sendMessagePage(res, 409, `${shop.data} is connected to another Relay organization.`);
    await deps.workflows.startShopifyWebhookRegistration({ accountId: connected.id });
    logger.info({ orgId: started.orgId, shop: shop.data }, 'Shopify shop connected');
    sendMessagePage(res, 200, `${shop.data} is connected to Relay. Relay is registering its webhooks on the shop.`);
  });

  router.post('/api/v1/commerce/stripe/connect', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    parseOr400(z.strictObject({}), req.body ?? {}, 'request');
    if (!deps.stripeConnect)
      throw new ApiError('service_unavailable', 'Stripe Connect is not configured on this Relay (STRIPE_CONNECT_CLIENT_ID, STRIPE_SECRET_KEY)');
    const { state, hash } = newOauthState();
    await insertOauthState(db, hash, { orgId, provider: 'stripe_connect', shop: null }, OAUTH_STATE_TTL_MS);
    res.status(201).json({ authorize_url: deps.stripeConnect.authorizeUrl(state, stripeCallback), expires_in: OAUTH_STATE_TTL_MS / 1000 });
  });

  router.get('/api/commerce/stripe/callback', async (req, res) => {
    if (!deps.stripeConnect) return sendMessagePage(res, 503, 'Stripe Connect is not configured on this Relay.');
    const query = plainQuery(req);
    const started = query?.state ? await consumeOauthState(db, oauthStateHash(query.state), 'stripe_connect') : undefined;
    if (!query || !started) return sendMessagePage(res, 400, 'This connect link is not valid (any more): start connecting the account again from Relay.');
    if (query.error || !query.code)
      return sendMessagePage(res, 400, `Stripe did not connect the account: ${query.error_description ?? query.error ?? 'no code'}`);
    let accountId: string;
    try {
      ({ accountId } = await deps.stripeConnect.exchangeCode(query.code));
    } catch (error) {
      logger.warn({ orgId: started.orgId, err: error }, 'Stripe Connect code exchange failed');
      return sendMessagePage(res, 502, `Stripe did not complete the connection: ${describeFailure(error)}`);
    }
    const connected = await connectProvenAccount(db, started.orgId, {
      provider: 'stripe_connect',
      account: accountId,
      sealAccessToken: null,
      expectedTopics: [],
    });
    if (!connected) return sendMessagePage(res, 409, `${accountId} is connected to another Relay organization.`);
    logger.info({ orgId: started.orgId, account: accountId }, 'Stripe Connect account connected');
    sendMessagePage(res, 200, `${accountId} is connected to Relay.`);
  });

  // Operators look at the claims no OAuth can prove (Amazon sellers) and verify them.
  router.get('/api/admin/commerce/accounts/pending', requireAdminKey(deps.adminKey), async (_req, res) => {
    const rows = await listPendingAccounts(db);
    res.json({ data: rows.map((row) => ({ ...row, created_at: row.created_at.toISOString() })) });
  });

  router.post('/api/admin/commerce/accounts/:id/verify', requireAdminKey(deps.adminKey), async (req, res) => {
    const activated = await activatePendingAccount(db, req.params.id as string);
    if (activated === 'taken') throw new ApiError('conflict', 'another organization holds this account');
    if (!activated) throw new ApiError('not_found', 'no pending claim with this id');
    res.json({ id: activated.id, org_id: activated.org_id, provider: activated.provider, account: activated.account, status: activated.status });
  });

  return router;
}
