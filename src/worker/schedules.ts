import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { dailyUsageScheduleId, legacyStrandedEmailsScheduleId, sweepScheduleId } from '../temporal/ids.js';
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

/**
 * Every minute, received work stored but never started is started (sweep/): emails, inbound
 * messages, SNS messages, channel messages, Dialpad calls, commerce events, webhook events
 * and partner deliveries. Replaces the email-only schedule of earlier versions.
 */
export async function ensureSweepSchedule(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.getHandle(legacyStrandedEmailsScheduleId(taskQueue)).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  try {
    await client.schedule.create({
      scheduleId: sweepScheduleId(taskQueue),
      spec: { intervals: [{ every: '1 minute' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'sweepStrandedWorkWorkflow',
        workflowId: `sweep-${taskQueue}`,
        taskQueue,
        args: [],
        typedSearchAttributes: [{ key: RelayKind, value: 'sweep' }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
