import { proxyActivities } from '@temporalio/workflow';
import { databaseSteps } from '../temporal/database-steps.js';
import type { CommerceEventInput, RegisterShopifyWebhooksInput } from '../temporal/inputs.js';
import { tagOrganization } from '../temporal/workflow-attributes.js';
import { fanOutWebhookEvents } from '../webhooks/workflows.js';
import type { CommerceActivities } from './activities.js';

// Applied by a local activity, and its webhook fan-outs started by one: the run is one
// workflow task. Runs started before keep the activity task their history holds.
const commerceEventStepsOf = databaseSteps<CommerceActivities>({
  // Database work only.
  startToCloseTimeout: '30 seconds',
  // Nothing received is lost: retried through database trouble for a day.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** One verified commerce webhook (Shopify, Stripe, Resend, Amazon) applied, and its webhook events out. */
export async function commerceEventWorkflow(input: CommerceEventInput): Promise<{ orgId: string | null }> {
  const { steps, startedAfterPatch } = commerceEventStepsOf(input);
  const { eventIds, orgId } = await steps.applyCommerceEvent({ eventId: input.eventId });
  tagOrganization(orgId, { startedAfterPatch });
  await fanOutWebhookEvents(eventIds, { orgId, startedAfterPatch });
  return { orgId };
}

const { registerShopifyWebhooks } = proxyActivities<CommerceActivities>({
  // A few GraphQL calls to the shop, each with the HTTP client's timeout.
  startToCloseTimeout: '2 minutes',
  // Shopify's rate limits and outages are waited out for a day; a refusal (bad token,
  // unknown topic) is not retried.
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/** After a shop's OAuth install: Relay's webhook subscriptions on it, which nothing registered before. */
export async function registerShopifyWebhooksWorkflow({ accountId }: RegisterShopifyWebhooksInput): Promise<{ topics: string[] }> {
  return registerShopifyWebhooks({ accountId });
}
