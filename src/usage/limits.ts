import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { Db, DbOrTrx } from '../db/database.js';
import { authenticateApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { admitRequest, countAcceptedToday, findOrganizationLimits } from './limits-repository.js';

/** What applies to an organization now: its own limits, else the deployment's; null is unlimited. */
export interface EffectiveLimits {
  dailySendQuota: number | null;
  apiRequestsPerSecond: number | null;
}

export type OrgLimits = (orgId: string) => Promise<EffectiveLimits>;

/**
 * Limits are cached briefly per process, like API keys: the send path is hot, and a
 * changed limit applies within this window.
 */
const LIMITS_CACHE_TTL_MS = 10_000;
const LIMITS_CACHE_MAX_ENTRIES = 10_000;

export function cachedOrgLimits(db: Db, defaults: Config['orgLimits'], now: () => number = Date.now): OrgLimits {
  const cache = new Map<string, { limits: EffectiveLimits; expires: number }>();
  return async (orgId) => {
    const hit = cache.get(orgId);
    if (hit && hit.expires > now()) return hit.limits;
    const own = await findOrganizationLimits(db, orgId);
    const limits = {
      dailySendQuota: own?.daily_send_quota ?? defaults.dailySendQuota ?? null,
      apiRequestsPerSecond: own?.api_requests_per_second ?? defaults.apiRequestsPerSecond ?? null,
    };
    if (cache.size >= LIMITS_CACHE_MAX_ENTRIES) cache.clear();
    cache.set(orgId, { limits, expires: now() + LIMITS_CACHE_TTL_MS });
    return limits;
  };
}

/** The day's quota is used up: the emails were not stored. */
export class DailyQuotaExceeded extends Error {
  override name = 'DailyQuotaExceeded';
  constructor(
    readonly quota: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`this organization may have ${quota} emails accepted per UTC day; the quota is used up until midnight UTC`);
  }
}

/** Seconds until the next UTC midnight, when daily quotas start over. */
export function secondsUntilUtcMidnight(now = new Date()): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((midnight - now.getTime()) / 1000));
}

/** Counts `count` emails against the day's quota in the caller's transaction, or throws DailyQuotaExceeded. */
export async function claimDailySends(trx: DbOrTrx, orgId: string, count: number, quota: number): Promise<void> {
  if (!(await countAcceptedToday(trx, orgId, count, quota))) throw new DailyQuotaExceeded(quota, secondsUntilUtcMidnight());
}

/**
 * Every request made with an organization's API key counts against its request rate
 * (bursts of one second's worth); past it, 429 `rate_limited` with Retry-After, before
 * the body is even read. Requests without a valid key are left to the routes (401).
 */
export function orgRequestRateGuard(deps: { db: Db; apiKeys: ApiKeyLookup; limits: OrgLimits }): RequestHandler {
  return async (req, res, next) => {
    const principal = await authenticateApiKey(deps.apiKeys, req.get('authorization'));
    const rate = principal ? (await deps.limits(principal.orgId)).apiRequestsPerSecond : null;
    if (!principal || rate === null) return next();
    const verdict = await admitRequest(deps.db, principal.orgId, 1 / rate, Math.max(1, rate));
    if (verdict.admitted) return next();
    const burstSeconds = (Math.max(1, rate) - 1) / rate;
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(verdict.aheadSeconds - burstSeconds))));
    throw new ApiError('rate_limited', `this organization may make ${rate} API requests per second; slow down and retry after the Retry-After seconds`);
  };
}
