import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import { recordWebhookEvents } from '../webhooks/index.js';
import { applyAmazonEvent } from './amazon.js';
import { applyGdprRequest } from './gdpr.js';
import type { GdprTopic } from './gdpr-repository.js';
import type { ShopifyClient } from '../integrations/shopify.js';
import type { SecretBox } from '../security/encryption.js';
import { findCommerceAccountById, lockCommerceEvent, markCommerceEventProcessed, recordRegisteredTopics } from './repository.js';
import { applyResendEvent } from './resend.js';
import { applyShopifyEvent, type RaisedEvent } from './shopify.js';
import { applyStripeEvent } from './stripe.js';

export interface CommerceActivityDeps {
  db: Db;
  logger: Logger;
  /** Relay's Shopify app (undefined when not configured) and where shops' webhooks are to go. */
  shopify: ShopifyClient | undefined;
  secretBox: SecretBox;
  publicUrl: string;
}

type Json = Record<string, any>;

export function createCommerceActivities({ db, logger, shopify, secretBox, publicUrl }: CommerceActivityDeps) {
  return {
    /**
     * Subscribes Relay's webhook endpoint to every topic Relay expects from a shop it was
     * installed on (webhookSubscriptionCreate with the shop's token). A topic already
     * subscribed counts as done, so a retry or a reinstall registers nothing twice.
     */
    async registerShopifyWebhooks({ accountId }: { accountId: string }): Promise<{ topics: string[] }> {
      const account = await findCommerceAccountById(db, accountId);
      if (!account || account.status !== 'active' || !account.access_token_sealed) return { topics: [] };
      if (!shopify) throw ApplicationFailure.nonRetryable('Shopify is not configured on this Relay', 'ShopifyNotConfigured');
      const token = secretBox.open(account.access_token_sealed, { table: 'commerce_accounts', column: 'access_token_sealed', rowId: account.id });
      for (const topic of account.expected_topics) await shopify.subscribeWebhook(account.account, token, topic, `${publicUrl}/api/webhooks/shopify`);
      await recordRegisteredTopics(db, accountId, account.expected_topics);
      logger.info({ orgId: account.org_id, shop: account.account, topics: account.expected_topics }, 'Shopify webhooks registered');
      return { topics: account.expected_topics };
    },

    /**
     * Applies one stored commerce event once (locked and marked processed in the same
     * transaction) and returns the webhook events it raised.
     */
    async applyCommerceEvent({ eventId }: { eventId: string }): Promise<{ eventIds: string[]; orgId: string | null }> {
      return db.transaction().execute(async (trx) => {
        const event = await lockCommerceEvent(trx, eventId);
        if (!event) throw ApplicationFailure.nonRetryable(`no commerce event ${eventId}`, 'CommerceEventNotFound');
        if (event.processed_at) return { eventIds: [], orgId: event.org_id };
        const payload = event.payload as Json;
        const webhookEvents: RaisedEvent[] = [];
        let orgId = event.org_id;

        if (event.provider === 'shopify' && orgId && event.account) {
          await applyShopifyEvent(trx, orgId, event.account, event.topic, payload, webhookEvents);
        } else if (event.provider === 'shopify_gdpr' && orgId && event.account) {
          await applyGdprRequest(trx, { eventId, orgId, shop: event.account, topic: event.topic as GdprTopic, payload });
        } else if (event.provider === 'stripe') {
          orgId = (await applyStripeEvent(trx, payload)) ?? null;
        } else if (event.provider === 'resend') {
          orgId = (await applyResendEvent(trx, payload)) ?? null;
        } else if (event.provider === 'amazon' && orgId) {
          await applyAmazonEvent(trx, orgId, event.account ?? '', payload);
        }

        await markCommerceEventProcessed(trx, eventId, orgId);
        const eventIds = orgId && webhookEvents.length ? await recordWebhookEvents(trx, orgId, webhookEvents, eventId) : [];
        logger.info({ orgId, eventId, provider: event.provider, topic: event.topic }, 'commerce event applied');
        return { eventIds, orgId };
      });
    },
  };
}

export type CommerceActivities = ReturnType<typeof createCommerceActivities>;
