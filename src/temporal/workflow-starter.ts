import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import type { Metrics } from '../observability/metrics.js';
import { emailWorkflowId, inboundWorkflowId, sesNotificationWorkflowId } from '../workflows/ids.js';
import type { ProcessInboundInput, SendEmailInput, SesNotificationInput } from '../workflows/inputs.js';
import { ReplayRefused } from './replay.js';
import { RelayKind, RelayMessageId, RelayOrgId } from '../workflows/search-attributes.js';

export interface WorkflowStarter {
  /** Starts `email-<id>`; a workflow that runs or ran under that id counts as started. */
  startSendEmail(input: SendEmailInput): Promise<void>;
  /** Starts `ses-event-<sns message id>`, at most once per SNS message. */
  startSesNotification(input: SesNotificationInput): Promise<void>;
  /** Starts `inbound-<id>`, at most once per stored inbound message. */
  startInbound(input: ProcessInboundInput): Promise<void>;
  /** Runs `inbound-<id>` again for an archived message (its earlier run has finished). */
  replayInbound(input: ProcessInboundInput): Promise<void>;
}

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
    reuse: WorkflowIdReusePolicy = WorkflowIdReusePolicy.REJECT_DUPLICATE,
  ) {
    try {
      await client.workflow.start(workflowType, {
        taskQueue: options.taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: reuse,
        typedSearchAttributes: [{ key: RelayKind, value: kind }, ...attributes],
      });
      options.metrics.workflowsStarted.inc({ kind });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  return {
    startSendEmail: (input) =>
      startOnce('email', 'sendEmailWorkflow', emailWorkflowId(input.emailId), input, [
        { key: RelayOrgId, value: input.orgId },
        { key: RelayMessageId, value: input.emailId },
      ]),
    startSesNotification: (input) =>
      startOnce('ses-event', 'processSesNotificationWorkflow', sesNotificationWorkflowId(input.snsMessageId), input, [
        { key: RelayMessageId, value: input.snsMessageId },
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
  };
}
