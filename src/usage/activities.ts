import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import type { BooksClient } from '../integrations/books.js';
import type { Logger } from '../observability/logger.js';
import { countUnreportedDailyUsage, recordUsageReport } from './repository.js';
import { purgeExpiredEmailContent } from '../emails/index.js';
import { deleteExpiredRoutingAttempts, purgeExpiredInboundContent } from '../inbound/index.js';
import { deleteExpiredPartnerAttempts } from '../partners/index.js';
import { deleteExpiredWebhookAttempts } from '../webhooks/index.js';

/** Rows one retention pass purged or deleted, by what they held. */
export interface RetentionCounts {
  emails: number;
  inboundMessages: number;
  inboundRoutingAttempts: number;
  webhookAttempts: number;
  partnerAttempts: number;
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
     * their organization's period (bodies, attachments, raw requests; delivery logs deleted).
     */
    async purgeExpiredContent({ limit }: { limit: number }): Promise<RetentionCounts> {
      const batch = { defaultDays: retentionDays, limit };
      const counts = {
        emails: await purgeExpiredEmailContent(db, batch),
        inboundMessages: await purgeExpiredInboundContent(db, batch),
        inboundRoutingAttempts: await deleteExpiredRoutingAttempts(db, batch),
        webhookAttempts: await deleteExpiredWebhookAttempts(db, batch),
        partnerAttempts: await deleteExpiredPartnerAttempts(db, batch),
      };
      if (Object.values(counts).some((count) => count > 0)) logger.info(counts, 'expired content purged');
      return counts;
    },

    /** Emails sent (accepted by SES) per organization on one UTC day, for organizations not yet reported for it. */
    async countDailyUsage({ date }: { date: string }): Promise<{ orgId: string; emailsSent: number }[]> {
      return countUnreportedDailyUsage(db, date);
    },

    async reportUsageToBooks({ orgId, date, emailsSent }: { orgId: string; date: string; emailsSent: number }): Promise<void> {
      if (!books) throw ApplicationFailure.nonRetryable('HUB_BILLING_API_URL is not set', 'BooksNotConfigured');
      await books.reportUsage({ org_id: orgId, date, product: 'relay', metric: 'emails_sent', quantity: emailsSent });
      await recordUsageReport(db, orgId, { date, emailsSent });
      logger.info({ orgId, date, emailsSent }, 'daily usage reported to Books');
    },
  };
}

export type UsageActivities = ReturnType<typeof createUsageActivities>;
