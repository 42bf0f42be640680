import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/database.js';
import { findInboundForOrg, listInbound, listInboundAttachments, listRoutingAttempts } from './repository.js';
import { replayArchivedInbound } from './replay.js';
import { ReplayRefused } from '../temporal/replay.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { listInboundQuery } from './schemas.js';
import { parseOr400 } from '../http/validate.js';
import { keysetPage } from '../http/pagination.js';

/** The organization's inbound messages (archive included) and their replay. */
export function inboundRoutes(deps: { db: Db; temporal: Client; workflows: WorkflowStarter; apiKeys: ApiKeyLookup; routeMaxAttempts: number }): Router {
  const { db, apiKeys } = deps;
  const router = Router();

  router.get('/api/v1/inbound', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const query = parseOr400(listInboundQuery, req.query, 'query');
    const rows = await listInbound(db, orgId, { ...query, limit: query.limit + 1, after: query.cursor });
    const page = keysetPage(
      rows,
      query.limit,
      (row) => ({ at: row.received_at, id: row.id }),
      (row) => ({
        id: row.id,
        provider: row.provider,
        status: row.status,
        classification: row.classification,
        route: row.route,
        archive_reason: row.archive_reason,
        from: row.parsed?.from.address ?? null,
        subject: row.parsed?.subject ?? null,
        received_at: row.received_at.toISOString(),
      }),
    );
    res.json({ data: page.items, next_cursor: page.nextCursor });
  });

  router.get('/api/v1/inbound/:id', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const row = await findInboundForOrg(db, orgId, req.params.id as string);
    if (!row) throw new ApiError('not_found', 'no such inbound message');
    const [attempts, attachments] = await Promise.all([listRoutingAttempts(db, row.id), listInboundAttachments(db, row.id)]);
    res.json({
      id: row.id,
      provider: row.provider,
      provider_message_id: row.provider_message_id,
      status: row.status,
      classification: row.classification,
      route: row.route,
      archive_reason: row.archive_reason,
      received_at: row.received_at.toISOString(),
      message: row.parsed,
      attachments: attachments.map((file) => ({ id: file.id, filename: file.filename, content_type: file.content_type, size: file.size })),
      routing_attempts: attempts.map((attempt) => ({
        target: attempt.target,
        outcome: attempt.outcome,
        detail: attempt.detail,
        at: attempt.attempted_at.toISOString(),
      })),
    });
  });

  router.post('/api/v1/inbound/:id/replay', requireApiKey(apiKeys, 'send'), async (req, res) => {
    const { orgId } = principalOf(req);
    const row = await findInboundForOrg(db, orgId, req.params.id as string);
    if (!row) throw new ApiError('not_found', 'no such inbound message');
    try {
      await replayArchivedInbound({ db, client: deps.temporal, workflows: deps.workflows, routeMaxAttempts: deps.routeMaxAttempts }, row);
    } catch (error) {
      if (error instanceof ReplayRefused) throw new ApiError('conflict', error.message);
      throw error;
    }
    res.status(202).json({ id: row.id, status: 'received' });
  });

  return router;
}
