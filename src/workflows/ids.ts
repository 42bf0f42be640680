// Pure builders for workflow ids. A workflow id is the idempotency key of the work it
// does: starting the same id twice never does the work twice.

export const emailWorkflowId = (emailId: string): string => `email-${emailId}`;

/** SES calls run on their own rate-limited task queue beside the workflow's. */
export const sesTaskQueueFor = (taskQueue: string): string => `${taskQueue}-ses`;
