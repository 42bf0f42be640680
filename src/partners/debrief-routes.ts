import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import { findUserInOrg } from '../auth/repository.js';
import { insertPartnerDeliveries } from './delivery-repository.js';
import { listActiveConnectionsOfUser } from './oauth-repository.js';

const recordId = z.string().min(1).max(255);
const fields = z.record(z.string().min(1).max(255), z.unknown()).refine((value) => Object.keys(value).length > 0, 'at least one field');

/** The seed's three payloads, exactly: nothing more is ever sent to a partner. */
export const debriefAction = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('create_note'), record_id: recordId, content: z.string().min(1).max(100_000) }),
  z.strictObject({ action: z.literal('update_opportunity'), record_id: recordId, fields }),
  z.strictObject({
    action: z.literal('create_activity'),
    record_id: recordId,
    fields: z
      .object({
        subject: z.string().min(1).max(1000),
        description: z.string().max(100_000).optional(),
        status: z.string().max(100).optional(),
        date: z.iso.date().optional(),
        record_type: z.string().max(100).optional(),
      })
      .catchall(z.unknown()),
  }),
]);

export const debriefRequest = z.strictObject({ user_id: z.uuid(), actions: z.array(debriefAction).min(1).max(50) });

/**
 * POST /api/v1/debriefs: one user's structured debrief. Each action goes to every active
 * partner connection of that user, each delivery a workflow keyed by its idempotency key.
 */
export function debriefRoutes(deps: { db: Db; workflows: WorkflowStarter; apiKeys: ApiKeyLookup; retry: { attempts: number; firstRetryMs: number } }): Router {
  const router = Router();
  router.post('/api/v1/debriefs', requireApiKey(deps.apiKeys, 'debriefs'), async (req, res) => {
    const { orgId } = principalOf(req);
    const request = parseOr400(debriefRequest, req.body, 'debrief');
    const user = await findUserInOrg(deps.db, orgId, request.user_id);
    if (!user) throw new ApiError('not_found', 'no such user in this organization');
    const connections = await listActiveConnectionsOfUser(deps.db, user.id);
    const deliveries = connections.flatMap((connection) =>
      request.actions.map((action) => ({
        idempotencyKey: randomUUID(),
        orgId,
        partnerId: connection.partner_id,
        connectionId: connection.id,
        userId: user.id,
        action: action.action,
        payload: action,
      })),
    );
    await insertPartnerDeliveries(deps.db, deliveries);
    await Promise.all(deliveries.map((delivery) => deps.workflows.startPartnerDelivery({ idempotencyKey: delivery.idempotencyKey, retry: deps.retry })));
    res.status(202).json({
      deliveries: deliveries.map((delivery) => ({ idempotency_key: delivery.idempotencyKey, partner_id: delivery.partnerId, action: delivery.action })),
    });
  });
  return router;
}
