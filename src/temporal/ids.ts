// Pure builders for workflow ids. A workflow id is the idempotency key of the work it
// does: starting the same id twice never does the work twice.

export const emailWorkflowId = (emailId: string): string => `email-${emailId}`;

/** SES calls run on their own rate-limited task queue beside the workflow's. */
export const sesTaskQueueFor = (taskQueue: string): string => `${taskQueue}-ses`;

export const sesEventWorkflowId = (snsMessageId: string): string => `ses-event-${snsMessageId}`;
export const snsSubscriptionWorkflowId = (snsMessageId: string): string => `sns-subscription-${snsMessageId}`;

/** A hand-run usage report (`relay billing run`). */
export const dailyUsageWorkflowId = (date: string): string => `daily-usage-${date}`;
/** One daily usage schedule per deployment, named after its task queue. */
export const dailyUsageScheduleId = (taskQueue: string): string => `daily-usage-schedule-${taskQueue}`;

export const inboundWorkflowId = (inboundId: string): string => `inbound-${inboundId}`;

export const webhookEventWorkflowId = (eventId: string): string => `webhook-event-${eventId}`;
export const webhookDeliveryWorkflowId = (eventId: string, webhookId: string): string => `webhook-delivery-${eventId}-${webhookId}`;

export const partnerDeliveryWorkflowId = (idempotencyKey: string): string => `partner-delivery-${idempotencyKey}`;

export const channelMessageWorkflowId = (messageId: string): string => `channel-message-${messageId}`;
/** A call is its channel's: another tenant naming the same call id reaches a workflow of its own. */
export const dialpadCallWorkflowId = (channelId: string, callId: string): string => `dialpad-call-${channelId}-${callId}`;
export const commerceEventWorkflowId = (eventId: string): string => `commerce-event-${eventId}`;
export const strandedEmailsScheduleId = (taskQueue: string): string => `stranded-emails-schedule-${taskQueue}`;

/** One agent reply, sent once on its channel. */
export const replyWorkflowId = (replyId: string): string => `reply-${replyId}`;
