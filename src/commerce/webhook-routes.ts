import { Router, type Response } from 'express';
import type { Db } from '../db/database.js';
import { providerWebhookRoute, type ProviderRequest, type ProviderWebhookDeps } from '../http/provider-webhook.js';
import { storeInbound } from '../inbound/index.js';
import type { SecretBox } from '../security/encryption.js';
import type { SnsVerifier } from '../security/sns.js';
import { acceptSnsControlMessage, SNS_BODY_LIMIT_BYTES } from '../sns/index.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { receiveAmazon, receiveResend, receiveShopify, receiveShopifyGdpr, receiveStripe, type CommerceReceiveDeps, type CommerceSecrets } from './receive.js';
import { findCommerceAccount, insertCommerceEvent, type NewCommerceEvent } from './repository.js';

export interface CommerceWebhookDeps extends ProviderWebhookDeps {
  db: Db;
  workflows: WorkflowStarter;
  secretBox: SecretBox;
  amazonSns: SnsVerifier;
  commerce: CommerceSecrets;
  routeMaxAttempts: number;
}

/**
 * Commerce webhooks (paths as the webhooks reference lists them): each verified by
 * receive.ts before anything is stored, stored once by the provider's event id, answered
 * at once, and applied by workflow commerce-event-<id>.
 */
export function commerceWebhookRoutes(deps: CommerceWebhookDeps): Router {
  const receiveDeps: CommerceReceiveDeps = {
    secrets: deps.commerce,
    findAccount: (provider, account) => findCommerceAccount(deps.db, provider, account),
    openSecret: (account) => deps.secretBox.open(account.secret_sealed!, { table: 'commerce_accounts', column: 'secret_sealed', rowId: account.id }),
    amazonSns: deps.amazonSns,
  };
  // The limit of Shopify's, Stripe's and Resend's JSON events.
  const JSON_LIMIT_BYTES = 2 * 1024 * 1024;
  const route = (path: string, provider: string, limitBytes: number, handle: (request: ProviderRequest, res: Response) => Promise<void>) =>
    providerWebhookRoute(deps, { method: 'post', path, provider, limitBytes }, handle);

  async function store(event: NewCommerceEvent) {
    const { id, stored } = await insertCommerceEvent(deps.db, event);
    // Started for duplicates too: the workflow id keeps it to one run.
    await deps.workflows.startCommerceEvent({ eventId: id, orgId: event.orgId });
    deps.metrics.webhooks.inc({ provider: event.provider, outcome: stored === 'new' ? 'accepted' : 'duplicate' });
  }

  const resend = async (request: ProviderRequest, res: Response) => {
    const received = await receiveResend(request, receiveDeps);
    if (received.kind === 'event') {
      await store(received.event);
      res.json({ received: true });
      return;
    }
    const stored = await deps.db
      .transaction()
      .execute((trx) =>
        storeInbound(trx, { provider: 'resend', providerMessageId: received.providerMessageId, contentType: 'application/json', raw: request.raw }),
      );
    if (stored.stored !== 'token-reused') await deps.workflows.startInbound({ inboundId: stored.id, routeMaxAttempts: deps.routeMaxAttempts });
    deps.metrics.webhooks.inc({ provider: 'resend', outcome: stored.stored === 'new' ? 'accepted' : 'duplicate' });
    res.json({ received: true });
  };

  return Router().use(
    route('/api/webhooks/shopify/gdpr', 'shopify', JSON_LIMIT_BYTES, async (request, res) => {
      await store(await receiveShopifyGdpr(request, receiveDeps));
      res.json({ received: true });
    }),

    route('/api/webhooks/shopify', 'shopify', JSON_LIMIT_BYTES, async (request, res) => {
      const received = await receiveShopify(request, receiveDeps);
      if (received.kind === 'ignored') {
        deps.logger.warn({ shop: received.shop, topic: received.topic }, 'Shopify topic Relay did not subscribe to, ignored');
        res.json({ received: true, ignored: true });
        return;
      }
      await store(received.event);
      res.json({ received: true });
    }),

    ...(
      [
        ['/api/webhooks/stripe', 'stripe'],
        ['/api/webhooks/stripe-connect', 'stripe_connect'],
      ] as const
    ).map(([path, provider]) =>
      route(path, provider, JSON_LIMIT_BYTES, async (request, res) => {
        await store(await receiveStripe(request, provider, receiveDeps));
        res.json({ received: true });
      }),
    ),

    route('/api/webhooks/resend', 'resend', JSON_LIMIT_BYTES, resend),
    // The path Resend's webhooks were first configured with.
    route('/api/webhooks/email', 'resend', JSON_LIMIT_BYTES, resend),

    // SNS posts JSON as text/plain.
    route('/api/amazon/webhook', 'amazon', SNS_BODY_LIMIT_BYTES, async (request, res) => {
      const received = await receiveAmazon(request, receiveDeps);
      if (received.kind === 'sns-control') await acceptSnsControlMessage(deps, received.message);
      else await store(received.event);
      res.json({ received: true });
    }),
  );
}
