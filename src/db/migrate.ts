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
import * as domains from './migrations/2026-11-29T1000-domains.js';
import * as sendPriority from './migrations/2026-11-29T1100-send-priority.js';
import * as organizationLimits from './migrations/2026-11-29T1200-organization-limits.js';
import * as ownershipProof from './migrations/2026-11-29T1300-ownership-proof.js';
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
  '2026-11-29T1000-domains': domains,
  '2026-11-29T1100-send-priority': sendPriority,
  '2026-11-29T1200-organization-limits': organizationLimits,
  '2026-11-29T1300-ownership-proof': ownershipProof,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
