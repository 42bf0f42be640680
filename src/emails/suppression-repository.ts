import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { Suppression, SuppressionReason } from '../db/tables/suppressions.js';

/** Adds or refreshes a suppression; the first reason and source stay unless a complaint outranks them. */
export async function suppressAddress(
  db: DbOrTrx,
  entry: { orgId: string; address: string; reason: SuppressionReason; sourceEmailId?: string | null; detail?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('suppressions')
    .values({
      org_id: entry.orgId,
      address: entry.address.toLowerCase(),
      reason: entry.reason,
      source_email_id: entry.sourceEmailId ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .onConflict((oc) => oc.columns(['org_id', 'address']).doNothing())
    .execute();
}

export async function findSuppressed(db: DbOrTrx, orgId: string, addresses: string[]): Promise<Suppression[]> {
  if (addresses.length === 0) return [];
  return db
    .selectFrom('suppressions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where(
      'address',
      'in',
      addresses.map((address) => address.toLowerCase()),
    )
    .execute();
}

export async function listSuppressions(
  db: DbOrTrx,
  orgId: string,
  filter: { search?: string; reason?: SuppressionReason; limit: number; after?: string },
): Promise<Suppression[]> {
  let query = db.selectFrom('suppressions').selectAll().where('org_id', '=', orgId);
  if (filter.search) query = query.where('address', 'like', `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (filter.reason) query = query.where('reason', '=', filter.reason);
  if (filter.after) query = query.where('address', '>', filter.after);
  return query.orderBy('address').limit(filter.limit).execute();
}

export async function deleteSuppression(db: DbOrTrx, orgId: string, address: string): Promise<boolean> {
  const result = await db.deleteFrom('suppressions').where('org_id', '=', orgId).where('address', '=', address.toLowerCase()).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The organization's suppressions, newest first, paged by (created_at, address). */
export async function listRecentSuppressions(
  db: DbOrTrx,
  orgId: string,
  filter: { search?: string; reason?: SuppressionReason; limit: number; after?: { at: Date; address: string } },
): Promise<Suppression[]> {
  let query = db.selectFrom('suppressions').selectAll().where('org_id', '=', orgId);
  if (filter.search) query = query.where('address', 'like', `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (filter.reason) query = query.where('reason', '=', filter.reason);
  if (filter.after) query = query.where(sql<boolean>`(created_at, address) < (${filter.after.at}, ${filter.after.address})`);
  return query.orderBy('created_at', 'desc').orderBy('address', 'desc').limit(filter.limit).execute();
}
