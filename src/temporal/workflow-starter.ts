import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Metrics } from '../observability/metrics.js';
import { emailWorkflowId } from '../workflows/ids.js';
import type { SendEmailInput } from '../workflows/inputs.js';
import { RelayKind, RelayMessageId, RelayOrgId } from '../workflows/search-attributes.js';

export interface WorkflowStarter {
  /** Starts `email-<id>`; an already running or finished workflow with that id counts as started. */
  startSendEmail(input: SendEmailInput): Promise<void>;
}

export function createWorkflowStarter(client: Client, options: { taskQueue: string; metrics: Metrics }): WorkflowStarter {
  return {
    async startSendEmail(input) {
      try {
        await client.workflow.start('sendEmailWorkflow', {
          taskQueue: options.taskQueue,
          workflowId: emailWorkflowId(input.emailId),
          args: [input],
          typedSearchAttributes: [
            { key: RelayOrgId, value: input.orgId },
            { key: RelayKind, value: 'email' },
            { key: RelayMessageId, value: input.emailId },
          ],
        });
        options.metrics.workflowsStarted.inc({ kind: 'email' });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
  };
}
