import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import Stripe from 'stripe';
import { Webhook, WebhookVerificationError } from 'svix';
import type { Db } from '../db/database.js';
import { storeInbound } from '../inbound/repository.js';
import { acceptSnsControlMessage } from '../sns/index.js';
import type { CommerceAccountProvider } from '../db/tables/commerce.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SecretBox } from '../security/encryption.js';
import { constantTimeEqual } from '../security/secrets.js';
import { hmacSha256 } from '../security/signatures.js';
import { SnsVerificationError, type SnsVerifier } from '../security/sns.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { ApiError } from '../http/errors.js';
import { parseJsonObject } from '../http/validate.js';

export interface CommerceWebhookDeps {
  db: Db;
  workflows: WorkflowStarter;
  secretBox: SecretBox;
  amazonSns: SnsVerifier;
  commerce: {
    shopifyApiSecret: string | undefined;
    stripeWebhookSecret: string | undefined;
    stripeConnectWebhookSecret: string | undefined;
    resendWebhookSecret: string | undefined;
  };
  routeMaxAttempts: number;
  logger: Logger;
  metrics: Metrics;
}

export const SHOPIFY_TOPICS = ['orders/create', 'orders/updated', 'customers/create', 'customers/update'];
const GDPR_TOPICS = ['customers/data_request', 'customers/redact', 'shop/redact'];
const raw = express.raw({ type: () => true, limit: '2mb' });
// Only its webhook helpers are used: no API key, no network.
const stripe = new Stripe('sk_relay_webhooks_only');

type Json = Record<string, any>;

/**
 * Commerce webhooks (paths as the webhooks reference lists them): each verified before
 * anything is stored, stored once by the provider's event id, answered at once, and
 * applied by workflow commerce-event-<id>.
 */
export function commerceWebhookRoutes(deps: CommerceWebhookDeps): Router {
  const router = Router();
  const refuse = (provider: string, why: string): never => {
    deps.metrics.webhooks.inc({ provider, outcome: 'rejected' });
    deps.logger.warn({ provider, reason: why }, 'commerce webhook refused');
    throw new ApiError('unauthorized', why);
  };
  const account = (provider: CommerceAccountProvider, name: string) =>
    deps.db.selectFrom('commerce_accounts').selectAll().where('provider', '=', provider).where('account', '=', name).executeTakeFirst();

  async function store(event: { orgId: string | null; provider: string; eventId: string; topic: string; account: string | null; payload: Json }) {
    const inserted = await deps.db
      .insertInto('commerce_events')
      .values({
        id: randomUUID(),
        org_id: event.orgId,
        provider: event.provider,
        event_id: event.eventId,
        topic: event.topic,
        account: event.account,
        payload: JSON.stringify(event.payload),
        processed_at: null,
      })
      .onConflict((oc) => oc.columns(['provider', 'event_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) await deps.workflows.startCommerceEvent(inserted.id);
    deps.metrics.webhooks.inc({ provider: event.provider, outcome: inserted ? 'accepted' : 'duplicate' });
  }

  /** Shopify: base64 HMAC-SHA256 of the raw body, constant-time. */
  const shopifySigned = (secret: string, body: Buffer, header: string | undefined) => {
    if (!header) return false;
    return constantTimeEqual(hmacSha256(secret, body), Buffer.from(header, 'base64'));
  };

  router.post('/api/webhooks/shopify/gdpr', raw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const secret = deps.commerce.shopifyApiSecret;
    if (!secret || !shopifySigned(secret, body, req.get('x-shopify-hmac-sha256'))) refuse('shopify', 'x-shopify-hmac-sha256 does not verify');
    const topic = req.get('x-shopify-topic') ?? '';
    if (!GDPR_TOPICS.includes(topic)) throw new ApiError('validation_failed', `unknown GDPR topic ${topic}`);
    const payload = parseJsonObject(body);
    const shop = String(req.get('x-shopify-shop-domain') ?? payload.shop_domain ?? '');
    const connected = await account('shopify', shop);
    await store({
      orgId: connected?.org_id ?? null,
      provider: 'shopify_gdpr',
      eventId: req.get('x-shopify-webhook-id') ?? randomUUID(),
      topic,
      account: shop,
      payload,
    });
    res.json({ received: true });
  });

  router.post('/api/webhooks/shopify', raw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const shop = req.get('x-shopify-shop-domain') ?? '';
    const connected = shop ? await account('shopify', shop) : undefined;
    if (!connected?.secret_sealed || !shopifySigned(deps.secretBox.open(connected.secret_sealed), body, req.get('x-shopify-hmac-sha256'))) {
      refuse('shopify', 'x-shopify-hmac-sha256 does not verify');
    }
    const topic = req.get('x-shopify-topic') ?? '';
    const webhookId = req.get('x-shopify-webhook-id');
    if (!webhookId) throw new ApiError('validation_failed', 'X-Shopify-Webhook-Id is required');
    if (!connected!.expected_topics.includes(topic)) {
      deps.logger.warn({ shop, topic }, 'Shopify topic Relay did not subscribe to, ignored');
      res.json({ received: true, ignored: true });
      return;
    }
    await store({ orgId: connected!.org_id, provider: 'shopify', eventId: webhookId, topic, account: shop, payload: parseJsonObject(body) });
    res.json({ received: true });
  });

  for (const [path, provider, secretOf] of [
    ['/api/webhooks/stripe', 'stripe', () => deps.commerce.stripeWebhookSecret],
    ['/api/webhooks/stripe-connect', 'stripe_connect', () => deps.commerce.stripeConnectWebhookSecret],
  ] as const) {
    router.post(path, raw, async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const secret = secretOf();
      let event: Stripe.Event;
      try {
        if (!secret) throw new Error('not configured');
        // Stripe's own verification: signed payload, default 5-minute tolerance.
        event = stripe.webhooks.constructEvent(body, req.get('stripe-signature') ?? '', secret);
      } catch {
        return refuse(provider, 'stripe-signature does not verify');
      }
      const connectedAccount = (event as { account?: string }).account;
      const connected = provider === 'stripe_connect' && connectedAccount ? await account('stripe_connect', connectedAccount) : undefined;
      await store({
        orgId: connected?.org_id ?? null,
        provider,
        eventId: event.id,
        topic: event.type,
        account: connectedAccount ?? null,
        payload: event as unknown as Json,
      });
      res.json({ received: true });
    });
  }

  // Resend, and its legacy alias: Svix-signed.
  const resend = async (req: express.Request, res: express.Response) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const secret = deps.commerce.resendWebhookSecret;
    let payload: Json;
    try {
      if (!secret) throw new WebhookVerificationError('not configured');
      payload = new Webhook(secret).verify(body.toString('utf8'), {
        'svix-id': req.get('svix-id') ?? '',
        'svix-timestamp': req.get('svix-timestamp') ?? '',
        'svix-signature': req.get('svix-signature') ?? '',
      }) as Json;
    } catch (error) {
      if (error instanceof WebhookVerificationError) return refuse('resend', 'svix signature does not verify');
      throw error;
    }
    if (payload.type === 'email.received') {
      const emailId = String(payload.data?.email_id ?? req.get('svix-id'));
      const stored = await deps.db
        .transaction()
        .execute((trx) => storeInbound(trx, { provider: 'resend', providerMessageId: emailId, contentType: 'application/json', raw: body }));
      if (stored.stored !== 'token-reused') await deps.workflows.startInbound({ inboundId: stored.id, routeMaxAttempts: deps.routeMaxAttempts });
      deps.metrics.webhooks.inc({ provider: 'resend', outcome: stored.stored === 'new' ? 'accepted' : 'duplicate' });
      res.json({ received: true });
      return;
    }
    await store({ orgId: null, provider: 'resend', eventId: req.get('svix-id') ?? randomUUID(), topic: String(payload.type), account: null, payload });
    res.json({ received: true });
  };
  router.post('/api/webhooks/resend', raw, resend);
  router.post('/api/webhooks/email', raw, resend);

  router.post('/api/amazon/webhook', express.text({ type: () => true, limit: '300kb' }), async (req, res) => {
    let message;
    try {
      message = await deps.amazonSns.verify(typeof req.body === 'string' ? req.body : '');
    } catch (error) {
      if (error instanceof SnsVerificationError) return refuse('amazon', `SNS: ${error.message}`);
      throw error;
    }
    if (!(await acceptSnsControlMessage(deps, message))) {
      let notification: Json;
      try {
        notification = JSON.parse(message.Message) as Json;
      } catch {
        throw new ApiError('validation_failed', 'the SNS message is not JSON');
      }
      const sellerId = JSON.stringify(notification).match(/"(?:SellerId|sellerId|MerchantId)"\s*:\s*"([^"]+)"/)?.[1];
      const connected = sellerId ? await account('amazon', sellerId) : undefined;
      await store({
        orgId: connected?.org_id ?? null,
        provider: 'amazon',
        eventId: String(notification.NotificationMetadata?.NotificationId ?? message.MessageId),
        topic: String(notification.NotificationType ?? 'unknown'),
        account: sellerId ?? null,
        payload: notification,
      });
    }
    res.json({ received: true });
  });

  return router;
}
