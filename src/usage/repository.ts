import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';

/**
 * Emails sent (accepted by SES) per organization on one UTC day (`YYYY-MM-DD`), for the
 * organizations not yet reported for it. Across organizations: billing reports every one.
 */
export async function countUnreportedDailyUsage(db: DbOrTrx, date: string): Promise<{ orgId: string; emailsSent: number }[]> {
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
}

/** Remembers that the organization's day was reported (a rerun skips it). */
export async function recordUsageReport(db: DbOrTrx, orgId: string, report: { date: string; emailsSent: number }): Promise<void> {
  await db
    .insertInto('usage_reports')
    .values({ org_id: orgId, usage_date: report.date, emails_sent: report.emailsSent })
    .onConflict((oc) => oc.columns(['org_id', 'usage_date']).doNothing())
    .execute();
}
