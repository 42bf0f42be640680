import type { DbOrTrx } from '../db/database.js';
import { countRateLimitHit } from './repository.js';

const WINDOW_MS = 60_000;

/**
 * A rolling 60-second limit shared by every API process: counts live in PostgreSQL per
 * fixed minute, and the previous minute is weighted by how much of it the rolling window
 * still covers. Every hit counts, refused ones included: a client that keeps calling
 * while refused stays refused. (The token fence hits the partner-wide key only with
 * requests the per-user limit let through.)
 */
export async function hitRateLimit(db: DbOrTrx, key: string, limit: number, now = Date.now()): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const windowStart = new Date(Math.floor(now / WINDOW_MS) * WINDOW_MS);
  const previousStart = new Date(windowStart.getTime() - WINDOW_MS);
  const counts = await countRateLimitHit(db, key, windowStart, previousStart);
  const elapsed = (now - windowStart.getTime()) / WINDOW_MS;
  const estimate = counts.current + counts.previous * (1 - elapsed);
  if (estimate <= limit) return { allowed: true, retryAfterSeconds: 0 };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart.getTime() + WINDOW_MS - now) / 1000)) };
}
