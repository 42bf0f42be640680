import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import type { ApiKey } from '../db/tables/api-keys.js';
import { ApiError } from '../http/errors.js';
import { keysetCursorSchema, keysetPage, pageLimitParameter } from '../http/pagination.js';
import { parseOr400 } from '../http/validate.js';
import { apiKeyName, apiKeyScopes, describeCreator, isApiKeyId, revokeKey, rotateKey } from './api-key-management.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from './api-keys.js';
import { createApiKey, listApiKeys } from './repository.js';

export const createApiKeyRequest = z.strictObject({ scopes: apiKeyScopes, name: apiKeyName.optional() });
export const listApiKeysQuery = z.strictObject({
  limit: pageLimitParameter,
  cursor: keysetCursorSchema(isApiKeyId).optional(),
});

/** A key as the REST API shows it: never its secret or hash. */
export function restApiKeyView(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    created_by: key.created_by,
    created_at: key.created_at.toISOString(),
    last_used_at: key.last_used_at?.toISOString() ?? null,
    revoked_at: key.revoked_at?.toISOString() ?? null,
    replaced_by: key.replaced_by,
  };
}

/** The organization's API keys over REST, for keys with the admin scope: list, create (shown once), revoke, rotate. */
export function apiKeyRoutes(deps: { db: Db; apiKeys: ApiKeyLookup }): Router {
  const { db, apiKeys } = deps;
  const router = Router();
  const admin = requireApiKey(apiKeys, 'admin');

  router.get('/api/v1/api-keys', admin, async (req, res) => {
    const { orgId } = principalOf(req);
    const query = parseOr400(listApiKeysQuery, req.query, 'query');
    const rows = await listApiKeys(db, orgId, { limit: query.limit + 1, after: query.cursor });
    const page = keysetPage(rows, query.limit, (key) => ({ at: key.created_at, id: key.id }), restApiKeyView);
    res.json({ data: page.items, next_cursor: page.nextCursor });
  });

  router.post('/api/v1/api-keys', admin, async (req, res) => {
    const { orgId, keyId } = principalOf(req);
    const request = parseOr400(createApiKeyRequest, req.body, 'API key');
    const { key, record } = await createApiKey(db, { orgId, ...request, createdBy: describeCreator({ kind: 'api-key', keyId }) });
    res.status(201).json({ ...restApiKeyView(record), key });
  });

  router.post('/api/v1/api-keys/:id/revoke', admin, async (req, res) => {
    const { orgId } = principalOf(req);
    const revoked = await revokeKey(db, apiKeys, orgId, req.params.id as string);
    if (!revoked) throw new ApiError('not_found', 'no such active API key');
    res.json(restApiKeyView(revoked));
  });

  router.post('/api/v1/api-keys/:id/rotate', admin, async (req, res) => {
    const { orgId, keyId } = principalOf(req);
    const rotated = await rotateKey(db, apiKeys, orgId, req.params.id as string, describeCreator({ kind: 'api-key', keyId }));
    if (!rotated) throw new ApiError('not_found', 'no such active API key');
    res.status(201).json({ ...restApiKeyView(rotated.record), key: rotated.key, replaces: rotated.replaced.id });
  });

  return router;
}
