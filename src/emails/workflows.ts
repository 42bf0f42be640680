import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../worker/activities.js';
import { emitToBus } from '../bus/workflows.js';
import { sesTaskQueueFor } from '../temporal/ids.js';
import type { SendEmailInput, SendEmailResult } from '../temporal/inputs.js';

const { recordEmailFailed, recordEmailReplayed } = proxyActivities<Activities>({
  // Single-row PostgreSQL writes; anything slower is a stuck connection worth retrying.
  startToCloseTimeout: '30 seconds',
  // Database restarts are ridden out: keep retrying, backing off to once a minute.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Sends one stored email through SES, records the outcome and tells the Bus. */
export async function sendEmailWorkflow(input: SendEmailInput): Promise<SendEmailResult> {
  const { orgId, emailId } = input;
  const ses = proxyActivities<Activities>({
    // The SES queue's worker is rate-limited to the account's max send rate.
    taskQueue: sesTaskQueueFor(workflowInfo().taskQueue),
    // One SES API call answers in well under a minute; longer means a lost connection.
    startToCloseTimeout: '1 minute',
    // Throttling and SES outages are retried with backoff for up to a day; permanent
    // rejections are thrown non-retryable by the SES client and end the message at once.
    scheduleToCloseTimeout: '24 hours',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });

  if (input.replayOf) await recordEmailReplayed({ orgId, emailId, replayOfRunId: input.replayOf.runId });

  let outcome;
  try {
    outcome = await ses.sendEmailViaSes({ orgId, emailId });
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

const { startStrandedEmails } = proxyActivities<Activities>({
  // One query and a few hundred workflow starts.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Run every minute by a Schedule: starts emails that were stored but never started. */
export async function startStrandedEmailsWorkflow(): Promise<{ started: number }> {
  return startStrandedEmails();
}
