import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { dailyUsageScheduleId, legacyStrandedEmailsScheduleId, retentionScheduleId, sweepScheduleId } from '../temporal/ids.js';
import { RelayKind } from '../temporal/search-attributes.js';

/**
 * The daily Books usage report: five past midnight UTC, for the day before. Created once;
 * a schedule that exists gets this version's action and overlap policy, and keeps its
 * state (operators may have paused it).
 */
export async function ensureDailyUsageSchedule(client: Client, taskQueue: string, report: { deliverWithinMs: number }): Promise<void> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'reportDailyUsageWorkflow',
    workflowId: `daily-usage-scheduled-${taskQueue}`,
    taskQueue,
    args: [{ deliverWithinMs: report.deliverWithinMs }],
    typedSearchAttributes: [{ key: RelayKind, value: 'daily-usage' }],
  };
  // A day may take up to the deadline (an organization's report retried for 48 h): the next
  // day's run starts beside it. A worker outage still reports the missed day once it is back.
  const policies = { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '1 day' };
  try {
    await client.schedule.create({ scheduleId: dailyUsageScheduleId(taskQueue), spec: { calendars: [{ hour: 0, minute: 5 }] }, action, policies });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule
      .getHandle(dailyUsageScheduleId(taskQueue))
      .update((previous) => ({ ...previous, action, policies: { ...previous.policies, ...policies } }));
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
