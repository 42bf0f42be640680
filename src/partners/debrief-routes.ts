import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { assertSameRequest, IdempotencyKeyReused, idempotencyOf, requestHashOf } from '../http/idempotency.js';
import { claimIdempotencyKey, findIdempotencyKey, storeIdempotentResponse } from '../http/idempotency-repository.js';
import { parseOr400 } from '../http/validate.js';
import { findUserInOrg } from '../auth/repository.js';
import { insertPartnerDeliveries } from './delivery-repository.js';
import { listActiveConnectionsOfUser } from './oauth-repository.js';

const recordId = z.string().min(1).max(255);
const fields = z
  .record(z.string().min(1).max(255), z.unknown())
  .refine((value) => Object.keys(value).length > 0, 'at least one field')
  .meta({ minProperties: 1 });

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

interface DebriefAnswer {
  deliveries: { idempotency_key: string; partner_id: string; action: string }[];
}

/**
 * POST /api/v1/debriefs: one user's structured debrief. Each action goes to every active
 * partner connection of that user, each delivery a workflow keyed by its idempotency key.
 * With an Idempotency-Key header (as on the send API) the deliveries and the answer are
 * stored together, and a retry with the same key and body answers the same deliveries
 * (starting any whose workflow is missing) instead of creating new ones.
 */
export function debriefRoutes(deps: { db: Db; workflows: WorkflowStarter; apiKeys: ApiKeyLookup; retry: { attempts: number; firstRetryMs: number } }): Router {
  const router = Router();

  /** Started on every request, a retry included: workflow ids keep each delivery to one run. */
  async function startDeliveries(orgId: string, idempotencyKeys: string[]): Promise<void> {
    try {
      await Promise.all(idempotencyKeys.map((idempotencyKey) => deps.workflows.startPartnerDelivery({ idempotencyKey, retry: deps.retry }, orgId)));
    } catch (error) {
      // Stored and answered nothing yet: the sweep starts them; a retry with the key answers them.
      throw new ApiError('service_unavailable', 'Relay could not start the deliveries; retry the request (with the same Idempotency-Key, if you sent one)', {
        cause: error instanceof Error ? error.message : String(error),
      });
    }
  }

  router.post('/api/v1/debriefs', requireApiKey(deps.apiKeys, 'debriefs'), async (req, res) => {
    const { orgId } = principalOf(req);
    const idempotency = idempotencyOf(req, 'debriefs');
    const request = parseOr400(debriefRequest, req.body, 'debrief');
    const user = await findUserInOrg(deps.db, orgId, request.user_id);
    if (!user) throw new ApiError('not_found', 'no such user in this organization');
    const connections = await listActiveConnectionsOfUser(deps.db, user.id);
    const requestHash = requestHashOf(idempotency);

    const outcome = await deps.db.transaction().execute(async (trx) => {
      if (idempotency && !(await claimIdempotencyKey(trx, { orgId, key: idempotency.key, endpoint: idempotency.endpoint, requestHash }))) {
        return { kind: 'repeat' as const, previous: await findIdempotencyKey(trx, orgId, idempotency.key) };
      }
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
      await insertPartnerDeliveries(trx, deliveries);
      const answer: DebriefAnswer = {
        deliveries: deliveries.map((delivery) => ({ idempotency_key: delivery.idempotencyKey, partner_id: delivery.partnerId, action: delivery.action })),
      };
      if (idempotency) await storeIdempotentResponse(trx, { orgId, key: idempotency.key }, { status: 202, body: answer });
      return { kind: 'new' as const, answer };
    });

    if (outcome.kind === 'repeat') {
      const { previous } = outcome;
      try {
        assertSameRequest(previous, idempotency, requestHash);
      } catch (error) {
        if (error instanceof IdempotencyKeyReused)
          throw new ApiError('idempotency_key_conflict', 'this Idempotency-Key was already used with a different request');
        throw error;
      }
      const answer = previous.response_body as DebriefAnswer;
      await startDeliveries(
        orgId,
        answer.deliveries.map((delivery) => delivery.idempotency_key),
      );
      res.status(previous.response_status ?? 202).json(answer);
      return;
    }
    await startDeliveries(
      orgId,
      outcome.answer.deliveries.map((delivery) => delivery.idempotency_key),
    );
    res.status(202).json(outcome.answer);
  });
  return router;
}
