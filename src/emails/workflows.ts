import { ApplicationFailure, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import { databaseSteps } from '../temporal/database-steps.js';
import { activityFailureOf } from '../temporal/activity-failure.js';
import type { EmailActivities, SendOutcome } from './activities.js';
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

const { sendEmailAtOnceIfIdle } = proxyLocalActivities<EmailActivities>({
  // One SES call answers in well under a minute; longer means a lost connection.
  startToCloseTimeout: '1 minute',
  // Tried once here: throttling or an outage sends it through the SES queue, which retries
  // with backoff. (A worker lost mid-send leaves the workflow task to another, which tries again.)
  retry: { maximumAttempts: 1 },
});

/**
 * Sends one stored email through SES, records the outcome and tells the Bus. A single send
 * goes at once, inside this workflow's first task, when no send is queued ahead; otherwise,
 * and for a batch's emails, it waits its turn on the SES queue.
 */
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

  const sendInTurn = () => ses.sendEmailViaSes({ orgId, emailId, contentBytes: input.contentBytes });
  const sendAtOnceOrInTurn = async (): Promise<SendOutcome> => {
    try {
      const atOnce = await sendEmailAtOnceIfIdle({ orgId, emailId, contentBytes: input.contentBytes });
      if (atOnce.outcome !== 'queued') return atOnce;
    } catch (error) {
      // A rejection ends the message here as it would on the queue; any other trouble is retried there.
      const failure = activityFailureOf(error);
      if (!failure || (failure instanceof ApplicationFailure && failure.nonRetryable)) throw error;
    }
    return sendInTurn();
  };

  let outcome;
  try {
    outcome = await (input.sendPath === 'at-once-when-idle' ? sendAtOnceOrInTurn() : sendInTurn());
  } catch (error) {
    const failure = activityFailureOf(error);
    if (!failure) throw error;
    const reason = failure.message;
    await recordEmailFailed({ orgId, emailId, reason });
    // Fail the run too, so ops find failed sends in the Temporal UI and can replay them.
    throw ApplicationFailure.nonRetryable(`email ${emailId} failed: ${reason}`, 'EmailFailed');
  }
  if (outcome.outcome === 'suppressed') return { status: 'suppressed' };
  await emitToBus(outcome.busEvent, { startedAfterPatch: input.sendPath !== undefined });
  return { status: 'sent', sesMessageId: outcome.sesMessageId };
}

// An SES event is a few statements: as local activities the whole run is one workflow task
// (every email has one to three events, so this is as hot a path as the send). Retries past
// the first minute wait on timers, as a long outage should.
const sesEventStepsOf = databaseSteps<EmailActivities>({
  // Database work only.
  startToCloseTimeout: '30 seconds',
  // Nothing received is dropped: retry through database or network trouble for a day.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** One verified SES event notification: applied to the email it names, and announced. */
export async function processSesEventWorkflow(input: SesEventInput): Promise<{ eventType: string; matched: boolean }> {
  const { steps, startedAfterPatch } = sesEventStepsOf(input);
  const { applySesNotification, checkBounceRate } = steps;
  const applied = await applySesNotification({ snsMessageId: input.snsMessageId });
  tagOrganization(applied.matched?.orgId, { startedAfterPatch });
  for (const event of applied.busEvents) await emitToBus(event, { startedAfterPatch });
  if (applied.matched && applied.eventType === 'Bounce') {
    const alert = await checkBounceRate({ orgId: applied.matched.orgId });
    if (alert) await emitToBus(alert, { startedAfterPatch });
  }
  return { eventType: applied.eventType, matched: applied.matched !== null };
}
