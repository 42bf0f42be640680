import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import type { Metrics } from '../observability/metrics.js';
import {
  channelMessageWorkflowId,
  commerceEventWorkflowId,
  dialpadCallWorkflowId,
  emailWorkflowId,
  inboundWorkflowId,
  partnerDeliveryWorkflowId,
  replyWorkflowId,
  sesEventWorkflowId,
  snsSubscriptionWorkflowId,
  webhookDeliveryWorkflowId,
  webhookEventWorkflowId,
} from './ids.js';
import type { DialpadCallInput, PartnerDeliveryInput, ProcessInboundInput, SendEmailInput, SendReplyInput, SesEventInput } from './inputs.js';
import { dialpadCallEventSignal, type DialpadCallEvent } from './signals.js';
import { ReplayRefused } from './replay.js';
import { RelayKind, RelayMessageId, RelayOrgId } from './search-attributes.js';

export interface WorkflowStarter {
  /** Starts `email-<id>`; a workflow that runs or ran under that id counts as started (false: it already existed). */
  startSendEmail(input: SendEmailInput): Promise<boolean>;
  /** Starts `ses-event-<sns message id>`, at most once per SNS message. */
  startSesEvent(input: SesEventInput): Promise<boolean>;
  /** Starts `sns-subscription-<sns message id>`: confirms the subscription once. */
  startSnsSubscriptionConfirmation(snsMessageId: string): Promise<boolean>;
  /** Starts `inbound-<id>`, at most once per stored inbound message. */
  startInbound(input: ProcessInboundInput): Promise<boolean>;
  /** Runs `inbound-<id>` again for an archived message (its earlier run has finished). */
  replayInbound(input: ProcessInboundInput): Promise<void>;
  /** Starts `webhook-event-<id>`: the event's deliveries to every subscribed webhook. */
  startWebhookFanOut(eventId: string): Promise<boolean>;
  /** One attempt at a delivery (webhooks.test), waited for: its outcome is the answer. */
  runWebhookTest(deliveryId: string): Promise<{ outcome: string; attempts: number }>;
  /** Starts `commerce-event-<id>`, once per stored commerce event. */
  startCommerceEvent(eventId: string): Promise<boolean>;
  /** Starts `channel-message-<id>`, once per stored channel message. */
  startChannelMessage(messageId: string): Promise<boolean>;
  /** Hands one call-state event to `dialpad-call-<call id>`, starting it with the call's first event. */
  signalDialpadCall(input: DialpadCallInput, event: DialpadCallEvent): Promise<void>;
  /** Starts `reply-<id>`: sends one agent reply, once. */
  startReply(input: SendReplyInput): Promise<boolean>;
  /** Starts `partner-delivery-<idempotency key>`, once per key. */
  startPartnerDelivery(input: PartnerDeliveryInput): Promise<boolean>;
  /** Sends a failed delivery again under its own workflow id, with the same event id and a fresh schedule. */
  replayWebhookDelivery(delivery: { deliveryId: string; eventId: string; webhookId: string }): Promise<void>;
}

export function createWorkflowStarter(
  client: Client,
  options: { taskQueue: string; metrics: Metrics; webhookRetryScheduleMs?: readonly number[] },
): WorkflowStarter {
  /**
   * Workflow ids are idempotency keys: a second start of the same id, running or
   * finished, is success and does nothing (`relay replay` is the one way to run again).
   */
  async function startOnce(kind: string, workflowType: string, workflowId: string, input: object, attributes: SearchAttributePair[]): Promise<boolean> {
    try {
      await client.workflow.start(workflowType, {
        taskQueue: options.taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: RelayKind, value: kind }, ...attributes],
      });
      options.metrics.workflowsStarted.inc({ kind });
      return true;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      return false;
    }
  }

  return {
    startSendEmail: (input) =>
      startOnce('email', 'sendEmailWorkflow', emailWorkflowId(input.emailId), input, [
        { key: RelayOrgId, value: input.orgId },
        { key: RelayMessageId, value: input.emailId },
      ]),
    startSesEvent: (input) =>
      startOnce('ses-event', 'processSesEventWorkflow', sesEventWorkflowId(input.snsMessageId), input, [{ key: RelayMessageId, value: input.snsMessageId }]),
    startSnsSubscriptionConfirmation: (snsMessageId) =>
      startOnce('sns-subscription', 'confirmSnsSubscriptionWorkflow', snsSubscriptionWorkflowId(snsMessageId), { snsMessageId }, [
        { key: RelayMessageId, value: snsMessageId },
      ]),
    startInbound: (input) =>
      startOnce('inbound', 'processInboundWorkflow', inboundWorkflowId(input.inboundId), input, [{ key: RelayMessageId, value: input.inboundId }]),
    replayInbound: async (input) => {
      try {
        await client.workflow.start('processInboundWorkflow', {
          taskQueue: options.taskQueue,
          workflowId: inboundWorkflowId(input.inboundId),
          args: [input],
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
    startCommerceEvent: (eventId) =>
      startOnce('commerce-event', 'commerceEventWorkflow', commerceEventWorkflowId(eventId), { eventId }, [{ key: RelayMessageId, value: eventId }]),
    startChannelMessage: (messageId) =>
      startOnce('channel-message', 'channelMessageWorkflow', channelMessageWorkflowId(messageId), { messageId }, [{ key: RelayMessageId, value: messageId }]),
    signalDialpadCall: async (input, event) => {
      await client.workflow.signalWithStart('dialpadCallWorkflow', {
        taskQueue: options.taskQueue,
        workflowId: dialpadCallWorkflowId(input.channelId, input.callId),
        args: [input],
        signal: dialpadCallEventSignal,
        signalArgs: [event],
        typedSearchAttributes: [
          { key: RelayKind, value: 'dialpad-call' },
          { key: RelayOrgId, value: input.orgId },
          { key: RelayMessageId, value: input.callId },
        ],
      });
    },
    startReply: (input) =>
      startOnce('reply', 'sendReplyWorkflow', replyWorkflowId(input.replyId), input, [
        { key: RelayOrgId, value: input.orgId },
        { key: RelayMessageId, value: input.replyId },
      ]),
    startPartnerDelivery: (input) =>
      startOnce('partner-delivery', 'partnerDeliveryWorkflow', partnerDeliveryWorkflowId(input.idempotencyKey), input, [
        { key: RelayMessageId, value: input.idempotencyKey },
      ]),
    startWebhookFanOut: (eventId) =>
      startOnce('webhook-event', 'fanOutWebhookEventWorkflow', webhookEventWorkflowId(eventId), { eventId }, [{ key: RelayMessageId, value: eventId }]),
    runWebhookTest: (deliveryId) =>
      client.workflow.execute('deliverWebhookWorkflow', {
        taskQueue: options.taskQueue,
        workflowId: `webhook-test-${deliveryId}`,
        args: [{ deliveryId, retryScheduleMs: [] }],
        typedSearchAttributes: [
          { key: RelayKind, value: 'webhook-test' },
          { key: RelayMessageId, value: deliveryId },
        ],
      }),
    replayWebhookDelivery: async ({ deliveryId, eventId, webhookId }) => {
      const workflowId = webhookDeliveryWorkflowId(eventId, webhookId);
      const previous = await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      if (previous?.status.name === 'RUNNING') throw new ReplayRefused(`delivery ${deliveryId} is being retried right now`);
      try {
        await client.workflow.start('deliverWebhookWorkflow', {
          taskQueue: options.taskQueue,
          workflowId,
          args: [{ deliveryId, retryScheduleMs: [...(options.webhookRetryScheduleMs ?? [])], replayOf: { runId: previous?.runId ?? 'none' } }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: [
            { key: RelayKind, value: 'webhook-delivery' },
            { key: RelayMessageId, value: deliveryId },
          ],
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) throw new ReplayRefused(`delivery ${deliveryId} is being retried right now`);
        throw error;
      }
    },
  };
}
