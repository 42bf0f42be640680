import { sql } from 'kysely';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import type { BooksClient } from '../integrations/books.js';
import type { Logger } from '../observability/logger.js';

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
      const rows = await db
        .selectFrom('email_events')
        .select(['org_id', sql<string>`count(*)`.as('sent')])
        .where('type', '=', 'sent')
        .where('occurred_at', '>=', sql<Date>`${date}::date::timestamp at time zone 'UTC'`)
        .where('occurred_at', '<', sql<Date>`(${date}::date + 1)::timestamp at time zone 'UTC'`)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('usage_reports').select('org_id').whereRef('usage_reports.org_id', '=', 'email_events.org_id').where('usage_date', '=', date))),
        )
        .groupBy('org_id')
        .orderBy('org_id')
        .execute();
      return rows.map((row) => ({ orgId: row.org_id, emailsSent: Number(row.sent) }));
    },

    async reportUsageToBooks({ orgId, date, emailsSent }: { orgId: string; date: string; emailsSent: number }): Promise<void> {
      if (!books) throw ApplicationFailure.nonRetryable('HUB_BILLING_API_URL is not set', 'BooksNotConfigured');
      await books.reportUsage({ org_id: orgId, date, product: 'relay', metric: 'emails_sent', quantity: emailsSent });
      await db
        .insertInto('usage_reports')
        .values({ org_id: orgId, usage_date: date, emails_sent: emailsSent })
        .onConflict((oc) => oc.columns(['org_id', 'usage_date']).doNothing())
        .execute();
      logger.info({ orgId, date, emailsSent }, 'daily usage reported to Books');
    },
  };
}

export type UsageActivities = ReturnType<typeof createUsageActivities>;
