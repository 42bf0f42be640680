import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { UsageActivities } from './activities.js';
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
