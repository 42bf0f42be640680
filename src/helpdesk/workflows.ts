import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ActivityFailure, ChildWorkflowFailure, executeChild, ParentClosePolicy, proxyActivities, sleep, TimeoutFailure } from '@temporalio/workflow';
import type { HelpdeskActivities } from './activities.js';
import { sendEmailWorkflow } from '../emails/workflows.js';
import { emailWorkflowId } from '../temporal/ids.js';
import type { SendEmailResult, SendReplyInput, SendReplyResult } from '../temporal/inputs.js';
import { RelayKind, RelayMessageId, RelayOrgId } from '../temporal/search-attributes.js';

const local = proxyActivities<HelpdeskActivities>({
  // Database work only.
  startToCloseTimeout: '30 seconds',
  // A reply is never dropped over Relay's own trouble: retried through database outages for a day.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const provider = proxyActivities<HelpdeskActivities>({
  // One provider call (the HTTP client gives up after 10 s) and a few queries.
  startToCloseTimeout: '1 minute',
  // Throttling and provider outages are retried with backoff for six hours: later than that
  // a chat answer is stale, and the agent sees it failed with the last error. A provider's
  // permanent refusal is thrown non-retryable and ends the reply at once.
  scheduleToCloseTimeout: '6 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** How often an email reply whose email workflow someone else started looks at the email again. */
const EMAIL_POLL_INTERVAL = '30 seconds';

const reasonOf = (error: ActivityFailure | ChildWorkflowFailure) => error.cause?.message ?? error.message;

/**
 * One agent reply, sent once: email replies become an email of the send pipeline and run
 * as its `email-<id>` child; SMS, WhatsApp, Messenger and Slack replies are one provider
 * call. The reply ends sent (with the provider's id) or failed (with the reason).
 */
export async function sendReplyWorkflow(input: SendReplyInput): Promise<SendReplyResult> {
  const { orgId, replyId } = input;
  if (input.channel === 'email') return sendEmailReply(input);
  try {
    const { providerMessageId } = await provider.sendChannelReply({ orgId, replyId });
    return { status: 'sent', providerMessageId };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const reason = reasonOf(error);
    await local.recordReplyFailed({ orgId, replyId, reason, gaveUp: error.cause instanceof TimeoutFailure });
    return { status: 'failed', reason };
  }
}

async function sendEmailReply({ orgId, replyId }: SendReplyInput): Promise<SendReplyResult> {
  const { emailId, contentBytes } = await local.prepareReplyEmail({ orgId, replyId });
  let result: EmailOutcome;
  try {
    result = await executeChild(sendEmailWorkflow, {
      workflowId: emailWorkflowId(emailId),
      args: [{ orgId, emailId, contentBytes, sendPath: 'at-once-when-idle' }],
      // The email is the send pipeline's from here on: it finishes even if this run is cancelled.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: RelayKind, value: 'email' },
        { key: RelayOrgId, value: orgId },
        { key: RelayMessageId, value: emailId },
      ],
    });
  } catch (error) {
    if (error instanceof ChildWorkflowFailure) result = { status: 'failed', reason: reasonOf(error) };
    else if (error instanceof WorkflowExecutionAlreadyStartedError) result = await followEmail(orgId, emailId);
    else throw error;
  }
  if (result.status !== 'sent') {
    const reason = result.status === 'failed' ? result.reason : "the customer's address is on the suppression list (an earlier bounce or complaint)";
    await local.recordReplyFailed({ orgId, replyId, reason });
    return { status: 'failed', reason };
  }
  await local.recordReplySent({ orgId, replyId, providerMessageId: result.sesMessageId });
  return { status: 'sent', providerMessageId: result.sesMessageId };
}

type EmailOutcome = SendEmailResult | { status: 'failed'; reason: string };

/** The email's outcome when its workflow was started by someone else (the stranded-email sweep), looked at until it has one. */
async function followEmail(orgId: string, emailId: string): Promise<EmailOutcome> {
  for (;;) {
    const outcome = await local.findReplyEmailOutcome({ orgId, emailId });
    if (outcome.status === 'suppressed') return { status: 'suppressed' };
    if (outcome.sesMessageId) return { status: 'sent', sesMessageId: outcome.sesMessageId };
    if (outcome.status === 'failed') return { status: 'failed', reason: outcome.reason ?? 'the email failed' };
    await sleep(EMAIL_POLL_INTERVAL);
  }
}
