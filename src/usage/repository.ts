import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';

export interface DailyUsage {
  orgId: string;
  emailsSent: number;
  recipients: number;
}

/**
 * Emails sent (accepted by SES) and their recipients per organization on one UTC day
 * (`YYYY-MM-DD`), for the organizations not yet reported for it, a page at a time in
 * organization order. Across organizations: billing reports every one. A send recorded
 * before recipients were kept on its event counts the email's recipients.
 */
export async function countUnreportedDailyUsage(db: DbOrTrx, date: string, page: { afterOrgId?: string; limit: number }): Promise<DailyUsage[]> {
  let query = db
    .selectFrom('email_events')
    .innerJoin('emails', 'emails.id', 'email_events.email_id')
    .select([
      'email_events.org_id',
      sql<string>`count(*)`.as('sent'),
      sql<string>`sum(coalesce((email_events.detail->>'recipients')::int, cardinality(emails.recipients)))`.as('recipients'),
    ])
    .where('email_events.type', '=', 'sent')
    .where('email_events.occurred_at', '>=', sql<Date>`${date}::date::timestamp at time zone 'UTC'`)
    .where('email_events.occurred_at', '<', sql<Date>`(${date}::date + 1)::timestamp at time zone 'UTC'`)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('usage_reports').select('org_id').whereRef('usage_reports.org_id', '=', 'email_events.org_id').where('usage_date', '=', date))),
    );
  if (page.afterOrgId) query = query.where('email_events.org_id', '>', page.afterOrgId);
  const rows = await query.groupBy('email_events.org_id').orderBy('email_events.org_id').limit(page.limit).execute();
  return rows.map((row) => ({ orgId: row.org_id, emailsSent: Number(row.sent), recipients: Number(row.recipients) }));
}

/** Remembers that the organization's day was reported (a rerun skips it). */
export async function recordUsageReport(db: DbOrTrx, orgId: string, report: { date: string; emailsSent: number; recipients: number }): Promise<void> {
  await db
    .insertInto('usage_reports')
    .values({ org_id: orgId, usage_date: report.date, emails_sent: report.emailsSent, recipients: report.recipients })
    .onConflict((oc) => oc.columns(['org_id', 'usage_date']).doNothing())
    .execute();
}
