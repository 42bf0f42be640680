import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import { isUuid } from '../db/uuid.js';

export interface StoredLimits {
  daily_send_quota: number | null;
  api_requests_per_second: number | null;
  retention_days: number | null;
}

/** The organization's own limits (null: the deployment's default); undefined when there is no such organization. */
export async function findOrganizationLimits(db: DbOrTrx, orgId: string): Promise<StoredLimits | undefined> {
  if (!isUuid(orgId)) return undefined;
  return db.selectFrom('organizations').select(['daily_send_quota', 'api_requests_per_second', 'retention_days']).where('id', '=', orgId).executeTakeFirst();
}

export async function updateOrganizationLimits(db: DbOrTrx, orgId: string, change: Partial<StoredLimits>): Promise<StoredLimits | undefined> {
  if (!isUuid(orgId)) return undefined;
  if (Object.keys(change).length === 0) return findOrganizationLimits(db, orgId);
  return db
    .updateTable('organizations')
    .set(change)
    .where('id', '=', orgId)
    .returning(['daily_send_quota', 'api_requests_per_second', 'retention_days'])
    .executeTakeFirst();
}

/**
 * Counts `count` more emails accepted today (UTC) if the day stays within `quota`, in
 * one statement; false when it would not (nothing is counted then).
 */
export async function countAcceptedToday(db: DbOrTrx, orgId: string, count: number, quota: number): Promise<boolean> {
  if (count > quota) return false;
  const row = await db
    .insertInto('daily_send_counts')
    .values({ org_id: orgId, day: sql<string>`(now() at time zone 'utc')::date`, accepted: count })
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'day'])
        .doUpdateSet({ accepted: sql<number>`daily_send_counts.accepted + excluded.accepted` })
        .where(sql<number>`daily_send_counts.accepted + excluded.accepted`, '<=', quota),
    )
    .returning('accepted')
    .executeTakeFirst();
  return row !== undefined;
}

/** Emails the organization has had accepted today (UTC). */
export async function acceptedToday(db: DbOrTrx, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('daily_send_counts')
    .select('accepted')
    .where('org_id', '=', orgId)
    .where('day', '=', sql<string>`(now() at time zone 'utc')::date`)
    .executeTakeFirst();
  return row?.accepted ?? 0;
}

/**
 * One request against a rate of one per `intervalSeconds` with bursts of `burst`, as a
 * generic cell rate algorithm in one statement on the database's clock (shared by every
 * API process): admitted when the organization's schedule is less than the burst ahead
 * of now, and the schedule moves one interval on. Refused requests move nothing.
 */
export async function admitRequest(db: DbOrTrx, orgId: string, intervalSeconds: number, burst: number): Promise<{ admitted: boolean; aheadSeconds: number }> {
  const interval = sql`make_interval(secs => ${intervalSeconds}::double precision)`;
  const tolerance = sql`make_interval(secs => ${(burst - 1) * intervalSeconds}::double precision)`;
  const admitted = await db
    .insertInto('api_request_schedules')
    .values({ org_id: orgId, theoretical_arrival: sql<Date>`now() + ${interval}` })
    .onConflict((oc) =>
      oc
        .column('org_id')
        .doUpdateSet({ theoretical_arrival: sql<Date>`greatest(api_request_schedules.theoretical_arrival, now()) + ${interval}` })
        .where(sql<boolean>`greatest(api_request_schedules.theoretical_arrival, now()) - now() <= ${tolerance}`),
    )
    .returning('org_id')
    .executeTakeFirst();
  if (admitted) return { admitted: true, aheadSeconds: 0 };
  const schedule = await db
    .selectFrom('api_request_schedules')
    .select(sql<number>`extract(epoch from theoretical_arrival - now())`.as('ahead'))
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return { admitted: false, aheadSeconds: Number(schedule?.ahead ?? 0) };
}
