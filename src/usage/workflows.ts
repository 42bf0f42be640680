import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RetentionCounts, UsageActivities } from './activities.js';
import type { DailyUsageInput } from '../temporal/inputs.js';
import { TemporalScheduledStartTime } from '../temporal/search-attributes.js';

const { countDailyUsage, reportUsageToBooks } = proxyActivities<UsageActivities>({
  // One aggregate query or one POST to Books.
  startToCloseTimeout: '1 minute',
  // Billing must arrive: Books being down is retried for two days, backing off to hourly.
  scheduleToCloseTimeout: '48 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

/** The UTC day before `time`, as YYYY-MM-DD. */
export function previousUtcDay(time: Date): string {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate() - 1)).toISOString().slice(0, 10);
}

/**
 * Reports each organization's count of emails sent on one UTC day to Books. Run by the
 * daily schedule (the day before its scheduled time, never the clock) or by hand for a
 * given date. Organizations already reported for that date are skipped, and every post
 * carries an idempotency key per organization and date, so a rerun never double-bills.
 */
export async function reportDailyUsageWorkflow(input: DailyUsageInput): Promise<{ date: string; reported: number }> {
  const scheduledAt = workflowInfo().typedSearchAttributes.get(TemporalScheduledStartTime);
  const date = input.date ?? (scheduledAt ? previousUtcDay(scheduledAt) : undefined);
  if (!date) throw ApplicationFailure.nonRetryable('no date: pass one, or run from the schedule', 'NoUsageDate');

  const usage = await countDailyUsage({ date });
  for (const entry of usage) {
    await reportUsageToBooks({ orgId: entry.orgId, date, emailsSent: entry.emailsSent });
  }
  return { date, reported: usage.length };
}

const { purgeExpiredContent } = proxyActivities<UsageActivities>({
  // One batch per table, each a bounded statement.
  startToCloseTimeout: '5 minutes',
  // The next scheduled run picks up whatever a failed one left.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Rows each table gives up per batch: short statements, short row locks. */
export const RETENTION_BATCH = 1000;
/** Batches per run at most (50,000 rows a table an hour); the next run goes on from there. */
const RETENTION_MAX_BATCHES = 50;

/**
 * Run hourly by a Schedule: purges what is past each organization's retention period in
 * batches until a batch comes back short on every table (or the run's cap is reached).
 */
export async function purgeExpiredContentWorkflow(): Promise<RetentionCounts> {
  const totals: RetentionCounts = { emails: 0, inboundMessages: 0, inboundRoutingAttempts: 0, webhookAttempts: 0, partnerAttempts: 0 };
  for (let batch = 0; batch < RETENTION_MAX_BATCHES; batch += 1) {
    const counts = await purgeExpiredContent({ limit: RETENTION_BATCH });
    for (const key of Object.keys(totals) as (keyof RetentionCounts)[]) totals[key] += counts[key];
    if (Object.values(counts).every((count) => count < RETENTION_BATCH)) break;
  }
  return totals;
}
