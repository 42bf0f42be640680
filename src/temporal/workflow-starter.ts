import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy, type Priority, type SearchAttributePair } from '@temporalio/common';
import type { Metrics } from '../observability/metrics.js';
import {
  channelMessageWorkflowId,
  commerceEventWorkflowId,
  dialpadCallWorkflowId,
  domainWorkflowId,
  emailWorkflowId,
  shopifyWebhooksWorkflowId,
  supportAddressWorkflowId,
  inboundWorkflowId,
  partnerDeliveryWorkflowId,
  replyWorkflowId,
  sesEventWorkflowId,
  snsSubscriptionWorkflowId,
  webhookEventWorkflowId,
  webhookReplayWorkflowId,
  webhookTestWorkflowId,
} from './ids.js';
import type {
  ChannelMessageInput,
  CommerceEventInput,
  DialpadCallInput,
  PartnerDeliveryInput,
  ProcessInboundInput,
  RegisterShopifyWebhooksInput,
  SendEmailInput,
  SendReplyInput,
  SesEventInput,
  VerifyDomainInput,
  VerifySupportAddressInput,
} from './inputs.js';
import { checkDomainNowSignal, checkSupportAddressNowSignal, dialpadCallEventSignal, type DialpadCallEvent } from './signals.js';
import { sendPriority } from './priority.js';
import { ReplayRefused } from './replay.js';
import { RelayKind, RelayMessageId, RelayOrgId } from './search-attributes.js';

export interface WorkflowStarter {
  /** Starts `email-<id>`, on the path the caller chose; a workflow that runs or ran under that id counts as started (false: it already existed). */
  startSendEmail(input: SendEmailInput & Required<Pick<SendEmailInput, 'sendPath'>>): Promise<boolean>;
  /** Starts `ses-event-<sns message id>`, at most once per SNS message, on the one-workflow-task path (`localActivities`). */
  startSesEvent(input: Omit<SesEventInput, 'localActivities'>): Promise<boolean>;
  /** Starts `sns-subscription-<sns message id>`: confirms the subscription once. */
  startSnsSubscriptionConfirmation(snsMessageId: string): Promise<boolean>;
  /** Starts `inbound-<id>`, at most once per stored inbound message, with `localActivities` (as every new run of the four that apply what was received). */
  startInbound(input: Omit<ProcessInboundInput, 'localActivities'>): Promise<boolean>;
  /** Runs `inbound-<id>` again for an archived message (its earlier run has finished). */
  replayInbound(input: Omit<ProcessInboundInput, 'localActivities'>): Promise<void>;
  /** Starts `webhook-event-<id>`: the event's deliveries to every subscribed webhook. */
  startWebhookFanOut(event: { eventId: string; orgId: string | null }): Promise<boolean>;
  /** One attempt at a delivery (webhooks.test), waited for: its outcome is the answer. */
  runWebhookTest(delivery: { deliveryId: string; orgId: string }): Promise<{ outcome: string }>;
  /** Starts `commerce-event-<id>`, once per stored commerce event (its organization, when already known). */
  startCommerceEvent(event: { eventId: string; orgId: string | null }): Promise<boolean>;
  /** Starts `channel-message-<id>`, once per stored channel message. */
  startChannelMessage(message: { messageId: string; orgId: string }): Promise<boolean>;
  /**
   * Hands one call-state event to `dialpad-call-<channel>-<call>`, starting it with the call's
   * first event. A `duplicate` delivery (its state was stored before) never starts a second
   * run of a call that has finished; the running workflow takes each state once.
   */
  signalDialpadCall(input: DialpadCallInput, event: DialpadCallEvent, options?: { duplicate?: boolean }): Promise<void>;
  /** Starts the call's workflow with its stored events when it never ran; false when it runs or ran. */
  resumeDialpadCall(input: DialpadCallInput, events: readonly DialpadCallEvent[]): Promise<boolean>;
  /** Starts `reply-<id>`: sends one agent reply, once. */
  startReply(input: SendReplyInput): Promise<boolean>;
  /** Starts `partner-delivery-<idempotency key>`, once per key. */
  startPartnerDelivery(input: PartnerDeliveryInput, orgId: string): Promise<boolean>;
  /** Starts `webhook-replay-<id>`: the deliveries reopened under that replay, in event order, each on a fresh schedule. */
  startWebhookReplay(replay: { replayId: string; orgId: string }): Promise<boolean>;
  /** Starts `domain-<id>`, or asks the running verification to check now; a finished one runs again. */
  checkDomain(input: VerifyDomainInput): Promise<void>;
  /** Ends a domain's verification (the domain was deleted); one that is not running is already ended. */
  stopDomainVerification(domainId: string): Promise<void>;
  /** Starts `support-address-<claim id>`, or asks the running one to look for the DNS record now. */
  checkSupportAddress(input: VerifySupportAddressInput): Promise<void>;
  /** Starts `shopify-webhooks-<account id>`: Relay's webhook subscriptions on a shop it was just installed on. */
  startShopifyWebhookRegistration(input: RegisterShopifyWebhooksInput): Promise<boolean>;
}

/** The organization's attribute, when there is one: ops filter every workflow of an organization by it. */
const orgAttribute = (orgId: string | null | undefined): SearchAttributePair[] => (orgId ? [{ key: RelayOrgId, value: orgId }] : []);

export function createWorkflowStarter(client: Client, options: { taskQueue: string; metrics: Metrics }): WorkflowStarter {
  /**
   * Workflow ids are idempotency keys: a second start of the same id, running or
   * finished, is success and does nothing (`relay replay` is the one way to run again).
   */
  async function startOnce(
    kind: string,
    workflowType: string,
    workflowId: string,
    input: object,
    attributes: SearchAttributePair[],
    priority?: Priority,
  ): Promise<boolean> {
    try {
      await client.workflow.start(workflowType, {
        taskQueue: options.taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: RelayKind, value: kind }, ...attributes],
        ...(priority ? { priority } : {}),
      });
      options.metrics.workflowsStarted.inc({ kind });
      return true;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      return false;
    }
  }

  async function signalCall(input: DialpadCallInput, event: DialpadCallEvent, duplicate: boolean): Promise<void> {
    try {
      await client.workflow.signalWithStart('dialpadCallWorkflow', {
        taskQueue: options.taskQueue,
        workflowId: dialpadCallWorkflowId(input.channelId, input.callId),
        args: [input],
        signal: dialpadCallEventSignal,
        signalArgs: [event],
        // A new state after the call's workflow finished starts it again (its record keeps the
        // ticket it made); a repeat of a state it already had must not.
        workflowIdReusePolicy: duplicate ? WorkflowIdReusePolicy.REJECT_DUPLICATE : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [
          { key: RelayKind, value: 'dialpad-call' },
          { key: RelayOrgId, value: input.orgId },
          { key: RelayMessageId, value: input.callId },
        ],
      });
    } catch (error) {
      if (!(duplicate && error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  return {
    startSendEmail: (input) =>
      startOnce(
        'email',
        'sendEmailWorkflow',
        emailWorkflowId(input.emailId),
        input,
        [
          { key: RelayOrgId, value: input.orgId },
          { key: RelayMessageId, value: input.emailId },
        ],
        // The workflow's own tasks wait fairly too, not only its SES call.
        sendPriority(input.orgId, input.priority),
      ),
    startSesEvent: (input) =>
      startOnce('ses-event', 'processSesEventWorkflow', sesEventWorkflowId(input.snsMessageId), { ...input, localActivities: true } satisfies SesEventInput, [
        { key: RelayMessageId, value: input.snsMessageId },
      ]),
    startSnsSubscriptionConfirmation: (snsMessageId) =>
      startOnce('sns-subscription', 'confirmSnsSubscriptionWorkflow', snsSubscriptionWorkflowId(snsMessageId), { snsMessageId }, [
        { key: RelayMessageId, value: snsMessageId },
      ]),
    startInbound: (input) =>
      startOnce('inbound', 'processInboundWorkflow', inboundWorkflowId(input.inboundId), { ...input, localActivities: true } satisfies ProcessInboundInput, [
        { key: RelayMessageId, value: input.inboundId },
      ]),
    replayInbound: async (input) => {
      try {
        await client.workflow.start('processInboundWorkflow', {
          taskQueue: options.taskQueue,
          workflowId: inboundWorkflowId(input.inboundId),
          args: [{ ...input, localActivities: true } satisfies ProcessInboundInput],
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: [
            { key: RelayKind, value: 'inbound' },
            { key: RelayMessageId, value: input.inboundId },
          ],
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ReplayRefused(`inbound ${input.inboundId} is being processed right now`);
        throw error;
      }
    },
    startCommerceEvent: ({ eventId, orgId }) =>
      startOnce('commerce-event', 'commerceEventWorkflow', commerceEventWorkflowId(eventId), { eventId, localActivities: true } satisfies CommerceEventInput, [
        ...orgAttribute(orgId),
        { key: RelayMessageId, value: eventId },
      ]),
    startChannelMessage: ({ messageId, orgId }) =>
      startOnce(
        'channel-message',
        'channelMessageWorkflow',
        channelMessageWorkflowId(messageId),
        { messageId, localActivities: true } satisfies ChannelMessageInput,
        [...orgAttribute(orgId), { key: RelayMessageId, value: messageId }],
      ),
    signalDialpadCall: (input, event, signalOptions) => signalCall(input, event, signalOptions?.duplicate ?? false),
    resumeDialpadCall: async (input, events) => {
      try {
        await client.workflow.getHandle(dialpadCallWorkflowId(input.channelId, input.callId)).describe();
        return false;
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      // In the order they arrived; should the API start it meanwhile, the workflow takes each state once.
      for (const event of events) await signalCall(input, event, true);
      options.metrics.workflowsStarted.inc({ kind: 'dialpad-call' });
      return events.length > 0;
    },
    startPartnerDelivery: (input, orgId) =>
      startOnce('partner-delivery', 'partnerDeliveryWorkflow', partnerDeliveryWorkflowId(input.idempotencyKey), input, [
        ...orgAttribute(orgId),
        { key: RelayMessageId, value: input.idempotencyKey },
      ]),
    startWebhookFanOut: ({ eventId, orgId }) =>
      startOnce('webhook-event', 'webhookEventWorkflow', webhookEventWorkflowId(eventId), { eventId, batchFirstAttempts: true }, [
        ...orgAttribute(orgId),
        { key: RelayMessageId, value: eventId },
      ]),
    runWebhookTest: ({ deliveryId, orgId }) =>
      client.workflow.execute('webhookTestWorkflow', {
        taskQueue: options.taskQueue,
        workflowId: webhookTestWorkflowId(deliveryId),
        args: [{ deliveryId }],
        typedSearchAttributes: [{ key: RelayKind, value: 'webhook-test' }, ...orgAttribute(orgId), { key: RelayMessageId, value: deliveryId }],
      }),
    startWebhookReplay: ({ replayId, orgId }) =>
      startOnce('webhook-replay', 'webhookReplayWorkflow', webhookReplayWorkflowId(replayId), { replayId }, [
        ...orgAttribute(orgId),
        { key: RelayMessageId, value: replayId },
      ]),
    checkDomain: async (input) => {
      await client.workflow.signalWithStart('verifyDomainWorkflow', {
        taskQueue: options.taskQueue,
        workflowId: domainWorkflowId(input.domainId),
        args: [input],
        signal: checkDomainNowSignal,
        signalArgs: [],
        // A verification that ended (failed, or the domain was re-added) may run again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [
          { key: RelayKind, value: 'domain' },
          { key: RelayOrgId, value: input.orgId },
          { key: RelayMessageId, value: input.domainId },
        ],
      });
      options.metrics.workflowsStarted.inc({ kind: 'domain' });
    },
    checkSupportAddress: async (input) => {
      await client.workflow.signalWithStart('verifySupportAddressWorkflow', {
        taskQueue: options.taskQueue,
        workflowId: supportAddressWorkflowId(input.claimId),
        args: [input],
        signal: checkSupportAddressNowSignal,
        signalArgs: [],
        typedSearchAttributes: [
          { key: RelayKind, value: 'support-address' },
          { key: RelayMessageId, value: input.claimId },
        ],
      });
    },
    startShopifyWebhookRegistration: (input) =>
      startOnce('shopify-webhooks', 'registerShopifyWebhooksWorkflow', shopifyWebhooksWorkflowId(input.accountId), input, [
        { key: RelayMessageId, value: input.accountId },
      ]),
    startReply: (input) =>
      startOnce('reply', 'sendReplyWorkflow', replyWorkflowId(input.replyId), input, [
        { key: RelayOrgId, value: input.orgId },
        { key: RelayMessageId, value: input.replyId },
      ]),
    stopDomainVerification: async (domainId) => {
      try {
        await client.workflow.getHandle(domainWorkflowId(domainId)).terminate('the domain was deleted');
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
  };
}
