import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { EmailActivities } from './activities.js';
import { emitToBus } from '../bus/workflows.js';
import { sesTaskQueueFor } from '../temporal/ids.js';
import { sendPriority } from '../temporal/priority.js';
import type { SendEmailInput, SendEmailResult, SesEventInput } from '../temporal/inputs.js';
import { tagOrganization } from '../temporal/workflow-attributes.js';
import { ABANDONED_ATTEMPT_HEARTBEAT_TIMEOUT } from '../temporal/heartbeat.js';

const { recordEmailFailed, recordEmailReplayed } = proxyActivities<EmailActivities>({
  // Single-row PostgreSQL writes; anything slower is a stuck connection worth retrying.
  startToCloseTimeout: '30 seconds',
  // Database restarts are ridden out: keep retrying, backing off to once a minute.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Sends one stored email through SES, records the outcome and tells the Bus. */
export async function sendEmailWorkflow(input: SendEmailInput): Promise<SendEmailResult> {
  const { orgId, emailId } = input;
  const ses = proxyActivities<EmailActivities>({
    // The SES queue's worker is rate-limited to the account's max send rate; within it,
    // higher priorities go first and organizations share each level fairly.
    taskQueue: sesTaskQueueFor(workflowInfo().taskQueue),
    priority: sendPriority(orgId, input.priority),
    // One SES API call answers in well under a minute; longer means a lost connection.
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: ABANDONED_ATTEMPT_HEARTBEAT_TIMEOUT,
    // Throttling and SES outages are retried with backoff for up to a day; permanent
    // rejections are thrown non-retryable by the SES client and end the message at once.
    scheduleToCloseTimeout: '24 hours',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });

  if (input.replayOf) await recordEmailReplayed({ orgId, emailId, replayOfRunId: input.replayOf.runId });

  let outcome;
  try {
    outcome = await ses.sendEmailViaSes({ orgId, emailId, contentBytes: input.contentBytes });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const reason = error.cause?.message ?? error.message;
    await recordEmailFailed({ orgId, emailId, reason });
    // Fail the run too, so ops find failed sends in the Temporal UI and can replay them.
    throw ApplicationFailure.nonRetryable(`email ${emailId} failed: ${reason}`, 'EmailFailed');
  }
  if (outcome.outcome === 'suppressed') return { status: 'suppressed' };
  await emitToBus(outcome.busEvent);
  return { status: 'sent', sesMessageId: outcome.sesMessageId };
}

const { applySesNotification, checkBounceRate } = proxyActivities<EmailActivities>({
  // Database work only.
  startToCloseTimeout: '30 seconds',
  // Nothing received is dropped: retry through database or network trouble for a day.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** One verified SES event notification: applied to the email it names, and announced. */
export async function processSesEventWorkflow({ snsMessageId }: SesEventInput): Promise<{ eventType: string; matched: boolean }> {
  const applied = await applySesNotification({ snsMessageId });
  tagOrganization(applied.matched?.orgId);
  for (const event of applied.busEvents) await emitToBus(event);
  if (applied.matched && applied.eventType === 'Bounce') {
    const alert = await checkBounceRate({ orgId: applied.matched.orgId });
    if (alert) await emitToBus(alert);
  }
  return { eventType: applied.eventType, matched: applied.matched !== null };
}
