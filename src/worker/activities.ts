import { createBusActivities, type BusActivityDeps } from '../bus/activities.js';
import { createChannelActivities, type ChannelActivityDeps } from '../channels/activities.js';
import { createCommerceActivities, type CommerceActivityDeps } from '../commerce/activities.js';
import { createEmailActivities, type EmailActivityDeps } from '../emails/activities.js';
import { createInboundActivities, type InboundActivityDeps } from '../inbound/activities.js';
import { createSesEventActivities, type SesEventActivityDeps } from '../emails/ses-event-activities.js';
import { createPartnerActivities, type PartnerActivityDeps } from '../partners/activities.js';
import { createUsageActivities, type UsageActivityDeps } from '../usage/activities.js';
import { createWebhookActivities, type WebhookActivityDeps } from '../webhooks/activities.js';

export type ActivityDeps = EmailActivityDeps & BusActivityDeps & SesEventActivityDeps & UsageActivityDeps & InboundActivityDeps & WebhookActivityDeps & PartnerActivityDeps & ChannelActivityDeps & CommerceActivityDeps;

/** Every activity, built from injected dependencies; only the worker builds the real ones. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEmailActivities(deps),
    ...createBusActivities(deps),
    ...createSesEventActivities(deps),
    ...createUsageActivities(deps),
    ...createInboundActivities(deps),
    ...createWebhookActivities(deps),
    ...createPartnerActivities(deps),
    ...createChannelActivities(deps),
    ...createCommerceActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** The activities that run on the rate-limited SES task queue. */
export const SES_ACTIVITY_NAMES = ['sendEmailViaSes'] as const satisfies readonly (keyof Activities)[];
