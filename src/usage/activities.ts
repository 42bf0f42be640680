import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import type { BooksClient } from '../integrations/books.js';
import type { Logger } from '../observability/logger.js';
import { countUnreportedDailyUsage, recordUsageReport } from './repository.js';

export interface UsageActivityDeps {
  db: Db;
  /** Undefined when HUB_BILLING_API_URL is not set: usage is not reported. */
  books: BooksClient | undefined;
  logger: Logger;
}

export function createUsageActivities({ db, books, logger }: UsageActivityDeps) {
  return {
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
