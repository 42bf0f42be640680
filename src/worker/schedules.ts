import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { dailyUsageScheduleId, retentionScheduleId, strandedEmailsScheduleId } from '../temporal/ids.js';
import { RelayKind } from '../temporal/search-attributes.js';

/**
 * The daily Books usage report: five past midnight UTC, for the day before. Created once;
 * a schedule that already exists is left as it is (operators may have paused it).
 */
export async function ensureDailyUsageSchedule(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: dailyUsageScheduleId(taskQueue),
      spec: { calendars: [{ hour: 0, minute: 5 }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'reportDailyUsageWorkflow',
        workflowId: `daily-usage-scheduled-${taskQueue}`,
        taskQueue,
        args: [{}],
        typedSearchAttributes: [{ key: RelayKind, value: 'daily-usage' }],
      },
      // A worker outage still reports the missed day once it is back.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}

/** Every minute, emails stored but never started are started (nothing accepted is lost). */
export async function ensureStrandedEmailsSchedule(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: strandedEmailsScheduleId(taskQueue),
      spec: { intervals: [{ every: '1 minute' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'startStrandedEmailsWorkflow',
        workflowId: `stranded-emails-${taskQueue}`,
        taskQueue,
        args: [],
        typedSearchAttributes: [{ key: RelayKind, value: 'stranded-emails' }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}

/** Every hour, content past each organization's retention period is purged in batches. */
export async function ensureRetentionSchedule(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: retentionScheduleId(taskQueue),
      spec: { intervals: [{ every: '1 hour' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'purgeExpiredContentWorkflow',
        workflowId: `retention-${taskQueue}`,
        taskQueue,
        args: [],
        typedSearchAttributes: [{ key: RelayKind, value: 'retention' }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
