// Every workflow the Relay worker runs. Deterministic code only: no I/O, no Node APIs.
export { sendEmailWorkflow, startStrandedEmailsWorkflow } from './send-email.js';
export { processSesNotificationWorkflow } from './process-ses-notification.js';
export { reportDailyUsageWorkflow } from './report-daily-usage.js';
export { processInboundWorkflow } from './process-inbound.js';
export { deliverWebhookWorkflow, fanOutWebhookEventWorkflow } from './webhooks.js';
export { partnerDeliveryWorkflow } from './partner-delivery.js';
export { channelMessageWorkflow, commerceEventWorkflow, dialpadCallWorkflow } from './channels.js';
