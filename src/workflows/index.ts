// Every workflow the Relay worker runs. Deterministic code only: no I/O, no Node APIs.
export { sendEmailWorkflow, startStrandedEmailsWorkflow } from '../emails/workflows.js';
export { processSesNotificationWorkflow } from '../emails/ses-event-workflows.js';
export { reportDailyUsageWorkflow } from '../usage/workflows.js';
export { processInboundWorkflow } from '../inbound/workflows.js';
export { deliverWebhookWorkflow, fanOutWebhookEventWorkflow } from '../webhooks/workflows.js';
export { partnerDeliveryWorkflow } from '../partners/workflows.js';
export { channelMessageWorkflow, commerceEventWorkflow, dialpadCallWorkflow } from '../channels/workflows.js';
