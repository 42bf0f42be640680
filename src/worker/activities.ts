import { createBusActivities, type BusActivityDeps } from '../bus/activities.js';
import { createChannelActivities, type ChannelActivityDeps } from '../channels/activities.js';
import { createCommerceActivities, type CommerceActivityDeps } from '../commerce/activities.js';
import { createDomainActivities, type DomainActivityDeps } from '../domains/activities.js';
import { createEmailActivities, type EmailActivityDeps } from '../emails/activities.js';
import { createHelpdeskActivities, type HelpdeskActivityDeps } from '../helpdesk/activities.js';
import { createInboundActivities, type InboundActivityDeps } from '../inbound/activities.js';
import { createSupportAddressActivities, type SupportAddressActivityDeps } from '../inbound/address-activities.js';
import { createPartnerActivities, type PartnerActivityDeps } from '../partners/activities.js';
import { createSnsActivities, type SnsActivityDeps } from '../sns/activities.js';
import { createSweepActivities, type SweepActivityDeps } from '../sweep/activities.js';
import { createUsageActivities, type UsageActivityDeps } from '../usage/activities.js';
import { createWebhookActivities, type WebhookActivityDeps } from '../webhooks/activities.js';

export type ActivityDeps = EmailActivityDeps &
  BusActivityDeps &
  SnsActivityDeps &
  UsageActivityDeps &
  InboundActivityDeps &
  WebhookActivityDeps &
  PartnerActivityDeps &
  ChannelActivityDeps &
  CommerceActivityDeps &
  DomainActivityDeps &
  SupportAddressActivityDeps &
  SweepActivityDeps &
  HelpdeskActivityDeps;

/** Every activity of every capability, built from injected dependencies; only the worker builds the real ones. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createEmailActivities(deps),
    ...createBusActivities(deps),
    ...createSnsActivities(deps),
    ...createUsageActivities(deps),
    ...createInboundActivities(deps),
    ...createWebhookActivities(deps),
    ...createPartnerActivities(deps),
    ...createChannelActivities(deps),
    ...createCommerceActivities(deps),
    ...createDomainActivities(deps),
    ...createSupportAddressActivities(deps),
    ...createSweepActivities(deps),
    ...createHelpdeskActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
