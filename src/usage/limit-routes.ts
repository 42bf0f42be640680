import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { requireAdminKey } from '../auth/admin-key.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import { acceptedToday, findOrganizationLimits, updateOrganizationLimits, type StoredLimits } from './limits-repository.js';

/** The largest value of the integer column daily_send_quota. */
const MAX_POSTGRES_INTEGER = 2_147_483_647;

export const organizationLimitsChange = z.strictObject({
  /** Emails accepted per UTC day; null returns to the deployment's default. */
  daily_send_quota: z.number().int().positive().max(MAX_POSTGRES_INTEGER).nullable().optional(),
  /** API requests per second, bursts of a second's worth; null returns to the default. */
  // At least one request in 1000 s: smaller values are noise, and PostgreSQL's real refuses denormals like 5e-324.
  api_requests_per_second: z.number().min(0.001).max(100_000).nullable().optional(),
  /** Days bodies, attachments, raw requests and delivery logs are kept; null returns to RETENTION_DAYS. */
  retention_days: z.number().int().positive().max(36_500).nullable().optional(),
});

export function limitsView(orgId: string, own: StoredLimits, defaults: Config['orgLimits'], sentToday: number) {
  return {
    org_id: orgId,
    daily_send_quota: own.daily_send_quota,
    api_requests_per_second: own.api_requests_per_second,
    retention_days: own.retention_days,
    // What applies (own, else the deployment's default); null is unlimited.
    effective: {
      daily_send_quota: own.daily_send_quota ?? defaults.dailySendQuota ?? null,
      api_requests_per_second: own.api_requests_per_second ?? defaults.apiRequestsPerSecond ?? null,
      retention_days: own.retention_days ?? defaults.retentionDays,
    },
    accepted_today: sentToday,
  };
}

/** Operators set each organization's daily send quota, API request rate and retention period (RELAY_ADMIN_KEY). */
export function organizationLimitRoutes(deps: { db: Db; adminKey: string | undefined; defaults: Config['orgLimits'] }): Router {
  const { db } = deps;
  const router = Router();

  router.get('/api/admin/organizations/:id/limits', requireAdminKey(deps.adminKey), async (req, res) => {
    const orgId = req.params.id as string;
    const own = await findOrganizationLimits(db, orgId);
    if (!own) throw new ApiError('not_found', 'no such organization');
    res.json(limitsView(orgId, own, deps.defaults, await acceptedToday(db, orgId)));
  });

  router.patch('/api/admin/organizations/:id/limits', requireAdminKey(deps.adminKey), async (req, res) => {
    const orgId = req.params.id as string;
    const change = parseOr400(organizationLimitsChange, req.body, 'limits');
    const own = await updateOrganizationLimits(db, orgId, change);
    if (!own) throw new ApiError('not_found', 'no such organization');
    res.json(limitsView(orgId, own, deps.defaults, await acceptedToday(db, orgId)));
  });

  return router;
}
