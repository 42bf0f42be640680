import { Router } from 'express';
import type { Db } from '../db/database.js';
import { deleteSuppression, findSuppressed, listSuppressions, suppressAddress } from './suppression-repository.js';
import type { Suppression } from '../db/tables/suppressions.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { addSuppressionRequest, listSuppressionsQuery } from './suppression-schemas.js';
import { parseOr400 } from '../http/validate.js';

const view = (entry: Suppression) => ({
  address: entry.address,
  reason: entry.reason,
  source_email_id: entry.source_email_id,
  detail: entry.detail,
  created_at: entry.created_at.toISOString(),
});

/** The organization's suppression list: hard bounces, complaints and manual entries. */
export function suppressionRoutes(deps: { db: Db; apiKeys: ApiKeyLookup }): Router {
  const { db, apiKeys } = deps;
  const router = Router();

  router.get('/api/v1/suppressions', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const query = parseOr400(listSuppressionsQuery, req.query, 'query');
    const after = query.cursor === undefined ? undefined : Buffer.from(query.cursor, 'base64url').toString('utf8');
    const rows = await listSuppressions(db, orgId, { ...query, limit: query.limit + 1, after });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    res.json({
      data: page.map(view),
      next_cursor: rows.length > query.limit && last ? Buffer.from(last.address).toString('base64url') : null,
    });
  });

  router.get('/api/v1/suppressions/:address', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const [entry] = await findSuppressed(db, orgId, [req.params.address as string]);
    if (!entry) throw new ApiError('not_found', 'this address is not suppressed');
    res.json(view(entry));
  });

  router.post('/api/v1/suppressions', requireApiKey(apiKeys, 'send'), async (req, res) => {
    const { orgId } = principalOf(req);
    const request = parseOr400(addSuppressionRequest, req.body, 'suppression');
    await suppressAddress(db, { orgId, address: request.address, reason: request.reason });
    const [entry] = await findSuppressed(db, orgId, [request.address]);
    res.status(201).json(view(entry!));
  });

  router.delete('/api/v1/suppressions/:address', requireApiKey(apiKeys, 'suppressions'), async (req, res) => {
    const { orgId } = principalOf(req);
    if (!(await deleteSuppression(db, orgId, req.params.address as string))) throw new ApiError('not_found', 'this address is not suppressed');
    res.status(204).end();
  });

  return router;
}
