// Pure builders for workflow ids. A workflow id is the idempotency key of the work it
// does: starting the same id twice never does the work twice.

export const emailWorkflowId = (emailId: string): string => `email-${emailId}`;

/** SES calls run on their own rate-limited task queue beside the workflow's. */
export const sesTaskQueueFor = (taskQueue: string): string => `${taskQueue}-ses`;

export const sesEventWorkflowId = (snsMessageId: string): string => `ses-event-${snsMessageId}`;
export const snsSubscriptionWorkflowId = (snsMessageId: string): string => `sns-subscription-${snsMessageId}`;

/** A hand-run usage report (`relay billing run`). */
export const dailyUsageWorkflowId = (date: string): string => `daily-usage-${date}`;
/** One organization's day, reported to Books (a child of the day's report). */
export const usageReportWorkflowId = (orgId: string, date: string): string => `usage-report-${orgId}-${date}`;
/** One daily usage schedule per deployment, named after its task queue. */
export const dailyUsageScheduleId = (taskQueue: string): string => `daily-usage-schedule-${taskQueue}`;

export const inboundWorkflowId = (inboundId: string): string => `inbound-${inboundId}`;

/** Outgoing HTTP deliveries (webhooks, RelayIt partners) run on their own task queue, with their own concurrency. */
export const deliveriesTaskQueueFor = (taskQueue: string): string => `${taskQueue}-deliveries`;

/** One workflow per webhook event: every endpoint's delivery, its retries as timers. */
export const webhookEventWorkflowId = (eventId: string): string => `webhook-event-${eventId}`;
/** The endpoints of an event past the fan-out cap, a page per child, after the page's last webhook id. */
export const webhookEventPageWorkflowId = (eventId: string, afterWebhookId: string): string => `webhook-event-${eventId}-after-${afterWebhookId}`;
/** webhooks.replay: the deliveries it reopened, sent again in the order their events were raised. */
export const webhookReplayWorkflowId = (replayId: string): string => `webhook-replay-${replayId}`;
export const webhookTestWorkflowId = (deliveryId: string): string => `webhook-test-${deliveryId}`;

export const partnerDeliveryWorkflowId = (idempotencyKey: string): string => `partner-delivery-${idempotencyKey}`;

export const channelMessageWorkflowId = (messageId: string): string => `channel-message-${messageId}`;
/** A call is its channel's: another tenant naming the same call id reaches a workflow of its own. */
export const dialpadCallWorkflowId = (channelId: string, callId: string): string => `dialpad-call-${channelId}-${callId}`;
export const commerceEventWorkflowId = (eventId: string): string => `commerce-event-${eventId}`;
/** Every minute, received work stored but never started is started (sweep/). */
export const sweepScheduleId = (taskQueue: string): string => `sweep-schedule-${taskQueue}`;
/** The email-only sweep the general one replaced; removed where it is still found. */
export const legacyStrandedEmailsScheduleId = (taskQueue: string): string => `stranded-emails-schedule-${taskQueue}`;
/** The hourly retention schedule of one deployment (its task queue). */
export const retentionScheduleId = (taskQueue: string): string => `retention-schedule-${taskQueue}`;
/** One verification per sending domain, polled until SES verifies it or it times out. */
export const domainWorkflowId = (domainId: string): string => `domain-${domainId}`;
/** One proof of a support address claim: the confirmation mail, then DNS checks until proven or expired. */
export const supportAddressWorkflowId = (claimId: string): string => `support-address-${claimId}`;
/** One Shopify shop's webhook registration after its OAuth install. */
export const shopifyWebhooksWorkflowId = (accountId: string): string => `shopify-webhooks-${accountId}`;

/** One agent reply, sent once on its channel. */
export const replyWorkflowId = (replyId: string): string => `reply-${replyId}`;
