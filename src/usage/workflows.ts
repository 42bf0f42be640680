import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, continueAsNew, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RetentionCounts, UsageActivities } from './activities.js';
import { emitToBus } from '../bus/workflows.js';
import { usageReportWorkflowId } from '../temporal/ids.js';
import type { DailyUsageInput, OrgUsageReportInput } from '../temporal/inputs.js';
import { RelayKind, RelayOrgId, TemporalScheduledStartTime } from '../temporal/search-attributes.js';

const { countDailyUsage, billingReportFailed } = proxyActivities<UsageActivities>({
  // One aggregate query, or a log line.
  startToCloseTimeout: '1 minute',
  // Relay's own trouble (a database restart) is ridden out, backing off to every 5 minutes.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** Organizations reported per run: each is a child workflow, and a run's history stays a few thousand events. */
const USAGE_PAGE = 500;

/** The UTC day before `time`, as YYYY-MM-DD. */
export function previousUtcDay(time: Date): string {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate() - 1)).toISOString().slice(0, 10);
}

/**
 * Reports each organization's emails and recipients of one UTC day to Books. Run by the
 * daily schedule (the day before its scheduled time, never the clock) or by hand for a
 * given date. Each organization is a child workflow of its own (`usage-report-<org>-<day>`),
 * so one organization Books refuses never stops the others; organizations already reported
 * for that date are skipped, and every post carries an idempotency key per organization and
 * date, so a rerun never double-bills.
 */
export async function reportDailyUsageWorkflow(input: DailyUsageInput): Promise<{ date: string; reported: number; failed: number }> {
  const scheduledAt = workflowInfo().typedSearchAttributes.get(TemporalScheduledStartTime);
  const date = input.date ?? (scheduledAt ? previousUtcDay(scheduledAt) : undefined);
  if (!date) throw ApplicationFailure.nonRetryable('no date: pass one, or run from the schedule', 'NoUsageDate');

  const page = await countDailyUsage({ date, afterOrgId: input.afterOrgId, limit: USAGE_PAGE });
  const outcomes = await Promise.all(
    page.map(async (usage) => {
      try {
        return await executeChild(reportOrgUsageWorkflow, {
          workflowId: usageReportWorkflowId(usage.orgId, date),
          args: [{ ...usage, date, deliverWithinMs: input.deliverWithinMs }],
          typedSearchAttributes: [
            { key: RelayKind, value: 'usage-report' },
            { key: RelayOrgId, value: usage.orgId },
          ],
        });
      } catch (error) {
        // Another run (the schedule's, or a backfill) is reporting this organization's day right now.
        if (error instanceof WorkflowExecutionAlreadyStartedError) return undefined;
        throw error;
      }
    }),
  );
  const totals = {
    reported: (input.totals?.reported ?? 0) + outcomes.filter((outcome) => outcome?.reported === true).length,
    failed: (input.totals?.failed ?? 0) + outcomes.filter((outcome) => outcome?.reported === false).length,
  };
  const last = page.at(-1);
  if (page.length === USAGE_PAGE && last) await continueAsNew<typeof reportDailyUsageWorkflow>({ ...input, date, afterOrgId: last.orgId, totals });
  return { date, ...totals };
}

/**
 * One organization's day to Books: retried while Books is down, backing off to hourly, for
 * `deliverWithinMs` (48 h in production). A refusal (a 4xx) or the deadline passing raises
 * `relay.alert.billing_report_failed` on the Bus instead of dropping the day; `relay billing
 * run --date` sends it again once fixed.
 */
export async function reportOrgUsageWorkflow(input: OrgUsageReportInput): Promise<{ reported: boolean }> {
  const { deliverWithinMs, ...usage } = input;
  const books = proxyActivities<UsageActivities>({
    // One POST to Books.
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: deliverWithinMs,
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour' },
  });
  try {
    await books.reportUsageToBooks(usage);
    return { reported: true };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await emitToBus(await billingReportFailed({ ...usage, reason: error.cause?.message ?? error.message }));
    return { reported: false };
  }
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
  const totals: RetentionCounts = {
    emails: 0,
    inboundMessages: 0,
    inboundRoutingAttempts: 0,
    webhookAttempts: 0,
    partnerAttempts: 0,
    snsMessages: 0,
    channelMessages: 0,
    commerceEvents: 0,
    webhookEvents: 0,
  };
  for (let batch = 0; batch < RETENTION_MAX_BATCHES; batch += 1) {
    const counts = await purgeExpiredContent({ limit: RETENTION_BATCH });
    for (const key of Object.keys(totals) as (keyof RetentionCounts)[]) totals[key] += counts[key];
    if (Object.values(counts).every((count) => count < RETENTION_BATCH)) break;
  }
  return totals;
}
