import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import type { BooksClient } from '../integrations/books.js';
import { busEventId, type BusEvent } from '../integrations/bus.js';
import type { Logger } from '../observability/logger.js';
import { countUnreportedDailyUsage, recordUsageReport, type DailyUsage } from './repository.js';
import { purgeExpiredEmailContent } from '../emails/index.js';
import { deleteExpiredRoutingAttempts, purgeExpiredInboundContent } from '../inbound/index.js';
import { deleteExpiredPartnerAttempts } from '../partners/index.js';
import { deleteExpiredWebhookAttempts, purgeExpiredWebhookEventPayloads } from '../webhooks/index.js';
import { purgeExpiredSnsPayloads } from '../sns/index.js';
import { purgeExpiredChannelPayloads } from '../channels/index.js';
import { purgeExpiredCommercePayloads } from '../commerce/index.js';

/** Rows one retention pass purged or deleted, by what they held. */
export interface RetentionCounts {
  emails: number;
  inboundMessages: number;
  inboundRoutingAttempts: number;
  webhookAttempts: number;
  partnerAttempts: number;
  snsMessages: number;
  channelMessages: number;
  commerceEvents: number;
  webhookEvents: number;
}

export interface UsageActivityDeps {
  db: Db;
  /** Undefined when HUB_BILLING_API_URL is not set: usage is not reported. */
  books: BooksClient | undefined;
  logger: Logger;
  /** RETENTION_DAYS: the retention period of organizations without their own. */
  retentionDays: number;
}

export function createUsageActivities({ db, books, logger, retentionDays }: UsageActivityDeps) {
  return {
    /**
     * One bounded pass of retention: each capability purges at most `limit` of its rows past
     * their organization's period (bodies, attachments, raw requests and payloads; delivery logs deleted).
     */
    async purgeExpiredContent({ limit }: { limit: number }): Promise<RetentionCounts> {
      const batch = { defaultDays: retentionDays, limit };
      const counts = {
        emails: await purgeExpiredEmailContent(db, batch),
        inboundMessages: await purgeExpiredInboundContent(db, batch),
        inboundRoutingAttempts: await deleteExpiredRoutingAttempts(db, batch),
        webhookAttempts: await deleteExpiredWebhookAttempts(db, batch),
        partnerAttempts: await deleteExpiredPartnerAttempts(db, batch),
        snsMessages: await purgeExpiredSnsPayloads(db, batch),
        channelMessages: await purgeExpiredChannelPayloads(db, batch),
        commerceEvents: await purgeExpiredCommercePayloads(db, batch),
        webhookEvents: await purgeExpiredWebhookEventPayloads(db, batch),
      };
      if (Object.values(counts).some((count) => count > 0)) logger.info(counts, 'expired content purged');
      return counts;
    },

    /** One page of the day's usage per organization (emails sent and their recipients), for organizations not yet reported for it. */
    async countDailyUsage({ date, afterOrgId, limit }: { date: string; afterOrgId?: string; limit: number }): Promise<DailyUsage[]> {
      return countUnreportedDailyUsage(db, date, { afterOrgId, limit });
    },

    async reportUsageToBooks({ orgId, date, emailsSent, recipients }: DailyUsage & { date: string }): Promise<void> {
      if (!books) throw ApplicationFailure.nonRetryable('HUB_BILLING_API_URL is not set', 'BooksNotConfigured');
      await books.reportUsage({ org_id: orgId, date, product: 'relay', metric: 'emails_sent', quantity: emailsSent, recipients });
      await recordUsageReport(db, orgId, { date, emailsSent, recipients });
      logger.info({ orgId, date, emailsSent, recipients }, 'daily usage reported to Books');
    },

    /** Books did not take the organization's day (refused it, or stayed down past the deadline): logged, and the Bus alert it raises. */
    async billingReportFailed({ orgId, date, emailsSent, recipients, reason }: DailyUsage & { date: string; reason: string }): Promise<BusEvent> {
      logger.error({ orgId, date, emailsSent, recipients, reason }, 'daily usage not delivered to Books');
      return {
        id: busEventId('relay.alert.billing_report_failed', orgId, date),
        type: 'relay.alert.billing_report_failed',
        occurred_at: new Date().toISOString(),
        org_id: orgId,
        data: { date, emails_sent: emailsSent, recipients, reason },
      };
    },
  };
}

export type UsageActivities = ReturnType<typeof createUsageActivities>;
