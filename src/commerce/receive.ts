import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook, WebhookVerificationError } from 'svix';
import type { CommerceAccountProvider } from '../db/tables/commerce.js';
import { jsonObjectOf, WebhookRejected, type ProviderRequest, verifiedSnsMessage } from '../http/provider-webhook.js';
import { constantTimeEqual, sha256 } from '../security/secrets.js';
import { hmacSha256 } from '../security/signatures.js';
import type { SnsMessage, SnsVerifier } from '../security/sns.js';
import { GDPR_TOPICS } from './gdpr.js';
import type { CommerceAccount, NewCommerceEvent } from './repository.js';

/** Relay's own provider secrets, from the config (a shop's own secret is sealed on its account). */
export interface CommerceSecrets {
  shopifyApiSecret: string | undefined;
  stripeWebhookSecret: string | undefined;
  stripeConnectWebhookSecret: string | undefined;
  resendWebhookSecret: string | undefined;
}

export interface CommerceReceiveDeps {
  secrets: CommerceSecrets;
  /** The connected store or account a request names. */
  findAccount(provider: CommerceAccountProvider, account: string): Promise<CommerceAccount | undefined>;
  /** Opens a shop's sealed webhook secret (`secret_sealed`). */
  openSecret(account: CommerceAccount): string;
  /** Verifies SNS messages from the Amazon seller topics. */
  amazonSns: SnsVerifier;
}

export type ReceivedShopify = { kind: 'event'; event: NewCommerceEvent } | { kind: 'ignored'; shop: string; topic: string };
/** Resend's `email.received` goes to the inbound pipeline; its delivery events are commerce events. */
export type ReceivedResend = { kind: 'inbound-email'; providerMessageId: string } | { kind: 'event'; event: NewCommerceEvent };
export type ReceivedAmazon = { kind: 'sns-control'; message: SnsMessage } | { kind: 'event'; event: NewCommerceEvent };

type Json = Record<string, any>;
const unauthorized = (why: string) => new WebhookRejected(401, why);
// Only its webhook helpers are used: no API key, no network.
const stripe = new Stripe('sk_relay_webhooks_only');

/** Shopify: base64 HMAC-SHA256 of the raw body, constant-time. */
function shopifySigned(secret: string, request: ProviderRequest): boolean {
  const header = request.header('x-shopify-hmac-sha256');
  return Boolean(header) && constantTimeEqual(hmacSha256(secret, request.raw), Buffer.from(header!, 'base64'));
}

/** POST /api/webhooks/shopify/gdpr: Shopify's compliance webhooks, signed with the app's API secret. */
export async function receiveShopifyGdpr(request: ProviderRequest, deps: CommerceReceiveDeps): Promise<NewCommerceEvent> {
  const secret = deps.secrets.shopifyApiSecret;
  if (!secret || !shopifySigned(secret, request)) throw unauthorized('x-shopify-hmac-sha256 does not verify');
  const topic = request.header('x-shopify-topic') ?? '';
  if (!GDPR_TOPICS.includes(topic)) throw new WebhookRejected(400, `unknown GDPR topic ${topic}`);
  const payload = jsonObjectOf(request);
  // The headers are not signed: the shop is the one the signed body names, and a header naming another is a replay.
  const shop = payload.shop_domain;
  if (typeof shop !== 'string' || shop === '') throw new WebhookRejected(400, 'shop_domain is required');
  const headerShop = request.header('x-shopify-shop-domain');
  if (headerShop !== undefined && headerShop !== shop) throw unauthorized('X-Shopify-Shop-Domain does not match the signed shop_domain');
  const webhookId = request.header('x-shopify-webhook-id');
  if (!webhookId) throw new WebhookRejected(400, 'X-Shopify-Webhook-Id is required');
  const connected = await deps.findAccount('shopify', shop);
  return { orgId: connected?.org_id ?? null, provider: 'shopify_gdpr', eventId: webhookId, topic, account: shop, payload, bodySha256: sha256(request.raw) };
}

/**
 * POST /api/webhooks/shopify: a connected shop's webhook, signed with the secret of the app
 * that subscribed it (Relay's app for shops installed through OAuth, the shop's own for
 * shops connected before); topics Relay did not subscribe to are ignored.
 */
export async function receiveShopify(request: ProviderRequest, deps: CommerceReceiveDeps): Promise<ReceivedShopify> {
  const shop = request.header('x-shopify-shop-domain') ?? '';
  const connected = shop ? await deps.findAccount('shopify', shop) : undefined;
  const secret = connected?.secret_sealed ? deps.openSecret(connected) : deps.secrets.shopifyApiSecret;
  if (!connected || !secret || !shopifySigned(secret, request)) {
    throw unauthorized('x-shopify-hmac-sha256 does not verify');
  }
  const topic = request.header('x-shopify-topic') ?? '';
  const webhookId = request.header('x-shopify-webhook-id');
  if (!webhookId) throw new WebhookRejected(400, 'X-Shopify-Webhook-Id is required');
  if (!connected.expected_topics.includes(topic)) return { kind: 'ignored', shop, topic };
  const event = {
    orgId: connected.org_id,
    provider: 'shopify',
    eventId: webhookId,
    topic,
    account: shop,
    payload: jsonObjectOf(request),
    bodySha256: sha256(request.raw),
  };
  return { kind: 'event', event };
}

/**
 * Stripe's own verification (signed payload, default 5-minute tolerance) with Relay's
 * platform secret, or its Connect secret; a Connect event belongs to the organization that
 * connected its account.
 */
export async function receiveStripe(request: ProviderRequest, provider: 'stripe' | 'stripe_connect', deps: CommerceReceiveDeps): Promise<NewCommerceEvent> {
  const secret = provider === 'stripe' ? deps.secrets.stripeWebhookSecret : deps.secrets.stripeConnectWebhookSecret;
  let event: Stripe.Event;
  try {
    if (!secret) throw new Error('not configured');
    event = stripe.webhooks.constructEvent(request.raw, request.header('stripe-signature') ?? '', secret);
  } catch {
    throw unauthorized('stripe-signature does not verify');
  }
  const connectedAccount = (event as { account?: string }).account;
  const connected = provider === 'stripe_connect' && connectedAccount ? await deps.findAccount('stripe_connect', connectedAccount) : undefined;
  return {
    orgId: connected?.org_id ?? null,
    provider,
    eventId: event.id,
    topic: event.type,
    account: connectedAccount ?? null,
    payload: event as unknown as Json,
  };
}

/** Resend (and its legacy alias): Svix-signed. */
export async function receiveResend(request: ProviderRequest, deps: CommerceReceiveDeps): Promise<ReceivedResend> {
  const secret = deps.secrets.resendWebhookSecret;
  let payload: Json;
  try {
    if (!secret) throw new WebhookVerificationError('not configured');
    payload = new Webhook(secret).verify(request.raw.toString('utf8'), {
      'svix-id': request.header('svix-id') ?? '',
      'svix-timestamp': request.header('svix-timestamp') ?? '',
      'svix-signature': request.header('svix-signature') ?? '',
    }) as Json;
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw unauthorized('svix signature does not verify');
    throw error;
  }
  if (payload.type === 'email.received') return { kind: 'inbound-email', providerMessageId: String(payload.data?.email_id ?? request.header('svix-id')) };
  return {
    kind: 'event',
    event: { orgId: null, provider: 'resend', eventId: request.header('svix-id') ?? randomUUID(), topic: String(payload.type), account: null, payload },
  };
}

/** POST /api/amazon/webhook: SP-API notifications through SNS, for the organization that connected the seller they name. */
export async function receiveAmazon(request: ProviderRequest, deps: CommerceReceiveDeps): Promise<ReceivedAmazon> {
  const message = await verifiedSnsMessage(request, deps.amazonSns);
  if (message.Type !== 'Notification') return { kind: 'sns-control', message };
  let notification: Json;
  try {
    notification = JSON.parse(message.Message) as Json;
  } catch {
    throw new WebhookRejected(400, 'the SNS message is not JSON');
  }
  const sellerId = JSON.stringify(notification).match(/"(?:SellerId|sellerId|MerchantId)"\s*:\s*"([^"]+)"/)?.[1];
  const connected = sellerId ? await deps.findAccount('amazon', sellerId) : undefined;
  return {
    kind: 'event',
    event: {
      orgId: connected?.org_id ?? null,
      provider: 'amazon',
      eventId: String(notification.NotificationMetadata?.NotificationId ?? message.MessageId),
      topic: String(notification.NotificationType ?? 'unknown'),
      account: sellerId ?? null,
      payload: notification,
    },
  };
}
