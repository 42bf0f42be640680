import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';

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
    const user = await deps.db.selectFrom('users').select('id').where('org_id', '=', orgId).where('id', '=', request.user_id).executeTakeFirst();
    if (!user) throw new ApiError('not_found', 'no such user in this organization');
    const connections = await deps.db
      .selectFrom('crm_connections')
      .innerJoin('partners', 'partners.id', 'crm_connections.partner_id')
      .select(['crm_connections.id', 'crm_connections.partner_id'])
      .where('crm_connections.user_id', '=', user.id)
      .where('crm_connections.active', '=', true)
      .where('partners.suspended_at', 'is', null)
      .execute();
    const deliveries = connections.flatMap((connection) =>
      request.actions.map((action) => ({
        idempotency_key: randomUUID(),
        partner_id: connection.partner_id,
        connection_id: connection.id,
        user_id: user.id,
        org_id: orgId,
        action: action.action,
        payload: JSON.stringify(action),
        partner_record_id: null,
        error_event: null,
      })),
    );
    if (deliveries.length > 0) await deps.db.insertInto('partner_deliveries').values(deliveries).execute();
    await Promise.all(deliveries.map((delivery) => deps.workflows.startPartnerDelivery({ idempotencyKey: delivery.idempotency_key, retry: deps.retry })));
    res.status(202).json({
      deliveries: deliveries.map((delivery) => ({ idempotency_key: delivery.idempotency_key, partner_id: delivery.partner_id, action: delivery.action })),
    });
  });
  return router;
}
