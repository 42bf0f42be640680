import { sql } from 'kysely';
import type { Db } from '../db/database.js';

const WINDOW_MS = 60_000;

/**
 * A rolling 60-second limit shared by every API process: counts live in PostgreSQL per
 * fixed minute, and the previous minute is weighted by how much of it the rolling window
 * still covers. Every request counts, refused ones included.
 */
export async function hitRateLimit(db: Db, key: string, limit: number, now = Date.now()): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const windowStart = new Date(Math.floor(now / WINDOW_MS) * WINDOW_MS);
  const previousStart = new Date(windowStart.getTime() - WINDOW_MS);
  const current = await db
    .insertInto('rate_limit_counters')
    .values({ key, window_start: windowStart, count: 1 })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`rate_limit_counters.count + 1` }))
    .returning('count')
    .executeTakeFirstOrThrow();
  // The first hit of a minute clears this key's minutes no window reads any more.
  if (current.count === 1) await db.deleteFrom('rate_limit_counters').where('key', '=', key).where('window_start', '<', previousStart).execute();
  const previous = await db
    .selectFrom('rate_limit_counters')
    .select('count')
    .where('key', '=', key)
    .where('window_start', '=', previousStart)
    .executeTakeFirst();
  const elapsed = (now - windowStart.getTime()) / WINDOW_MS;
  const estimate = current.count + (previous?.count ?? 0) * (1 - elapsed);
  if (estimate <= limit) return { allowed: true, retryAfterSeconds: 0 };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart.getTime() + WINDOW_MS - now) / 1000)) };
}
