import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import * as spine from './migrations/2026-11-26T0000-spine.js';
import * as lifecycle from './migrations/2026-11-26T0100-lifecycle.js';
import * as inbound from './migrations/2026-11-26T0200-inbound.js';
import * as webhooks from './migrations/2026-11-26T0300-webhooks.js';
import * as partners from './migrations/2026-11-26T0400-partners.js';
import * as channels from './migrations/2026-11-26T0500-channels.js';
import * as commerce from './migrations/2026-11-26T0600-commerce.js';
import * as unverifiedBounceReports from './migrations/2026-11-29T0000-unverified-bounce-reports.js';
import * as snsMessages from './migrations/2026-11-29T0100-sns-messages.js';
import * as channelScopedKeys from './migrations/2026-11-29T0200-channel-scoped-keys.js';
import * as commerceEventBodyHash from './migrations/2026-11-29T0300-commerce-event-body-hash.js';
import * as apiKeyScopes from './migrations/2026-11-29T0400-api-key-scopes.js';
import * as lookupIndexes from './migrations/2026-11-29T0500-lookup-indexes.js';
import * as channelVerifyTokenHash from './migrations/2026-11-29T0600-channel-verify-token-hash.js';
import * as domains from './migrations/2026-11-29T1000-domains.js';
import * as sendPriority from './migrations/2026-11-29T1100-send-priority.js';
import * as organizationLimits from './migrations/2026-11-29T1200-organization-limits.js';
import * as sessionRoles from './migrations/2026-11-29T1200-session-roles.js';
import * as ownershipProof from './migrations/2026-11-29T1300-ownership-proof.js';
import * as webhooksV2 from './migrations/2026-11-29T2000-webhooks-v2.js';
import * as unstartedWork from './migrations/2026-11-29T1600-unstarted-work.js';
import * as usageRecipients from './migrations/2026-11-29T1610-usage-recipients.js';
import * as apiKeyManagement from './migrations/2026-11-29T1300-api-key-management.js';
import * as emailSearch from './migrations/2026-11-29T1310-email-search.js';
import * as dashboardLists from './migrations/2026-11-29T1320-dashboard-lists.js';
import * as partnerTokenLifetime from './migrations/2026-11-29T1400-partner-token-lifetime.js';
import * as inboundPerOrganization from './migrations/2026-11-29T1410-inbound-per-organization.js';
import * as ticketReplies from './migrations/2026-11-29T1500-ticket-replies.js';
import * as helpdeskWorkspace from './migrations/2026-11-29T1510-helpdesk-workspace.js';
import * as sesSendSchedule from './migrations/2026-11-29T2100-ses-send-schedule.js';
import * as retention from './migrations/2026-11-29T2200-retention.js';
import * as retentionRawPayloads from './migrations/2026-11-29T2300-retention-raw-payloads.js';
import type { Db } from './database.js';

/**
 * Migrations are listed here rather than read from a folder at run time, so the
 * compiled build, tsx and the bundled tests all see the same set in the same order.
 * Names are timestamps; add new ones at the end.
 */
const migrations: Record<string, Migration> = {
  '2026-11-26T0000-spine': spine,
  '2026-11-26T0100-lifecycle': lifecycle,
  '2026-11-26T0200-inbound': inbound,
  '2026-11-26T0300-webhooks': webhooks,
  '2026-11-26T0400-partners': partners,
  '2026-11-26T0500-channels': channels,
  '2026-11-26T0600-commerce': commerce,
  '2026-11-29T0000-unverified-bounce-reports': unverifiedBounceReports,
  '2026-11-29T0100-sns-messages': snsMessages,
  '2026-11-29T0200-channel-scoped-keys': channelScopedKeys,
  '2026-11-29T0300-commerce-event-body-hash': commerceEventBodyHash,
  '2026-11-29T0400-api-key-scopes': apiKeyScopes,
  '2026-11-29T0500-lookup-indexes': lookupIndexes,
  '2026-11-29T0600-channel-verify-token-hash': channelVerifyTokenHash,
  '2026-11-29T1000-domains': domains,
  '2026-11-29T1100-send-priority': sendPriority,
  '2026-11-29T1200-organization-limits': organizationLimits,
  '2026-11-29T1200-session-roles': sessionRoles,
  '2026-11-29T1300-ownership-proof': ownershipProof,
  '2026-11-29T2000-webhooks-v2': webhooksV2,
  '2026-11-29T1600-unstarted-work': unstartedWork,
  '2026-11-29T1610-usage-recipients': usageRecipients,
  '2026-11-29T1300-api-key-management': apiKeyManagement,
  '2026-11-29T1310-email-search': emailSearch,
  '2026-11-29T1320-dashboard-lists': dashboardLists,
  '2026-11-29T1400-partner-token-lifetime': partnerTokenLifetime,
  '2026-11-29T1410-inbound-per-organization': inboundPerOrganization,
  '2026-11-29T1500-ticket-replies': ticketReplies,
  '2026-11-29T1510-helpdesk-workspace': helpdeskWorkspace,
  '2026-11-29T2100-ses-send-schedule': sesSendSchedule,
  '2026-11-29T2200-retention': retention,
  '2026-11-29T2300-retention-raw-payloads': retentionRawPayloads,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  // Branches developed side by side add migrations whose names interleave: a database that
  // ran a later one still gets an earlier one it lacks (each migration stands on its own).
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
