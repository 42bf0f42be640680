import { Router } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { createPartner, rotatePartner } from './credentials.js';
import { partnerView, suspendRequest } from './operator.js';
import { checkPartnerUrls, partnerRequest, partnerSettingsRequest } from './registration.js';
import { findPartner, liftPartnerSuspension, listPartnerAudit, suspendPartner, updatePartnerSettings } from './repository.js';
import { listPartnerDeliveries, listPartnerDeliveryAttempts } from './delivery-repository.js';
import { EncryptionUnavailable, type SecretBox } from '../security/encryption.js';
import type { UrlPolicy } from '../security/ssrf.js';
import { ReplayRefused, replayWorkflow } from '../temporal/replay.js';
import { partnerDeliveryWorkflowId } from '../temporal/ids.js';
import type { Db } from '../db/database.js';
import { requireAdminKey } from '../auth/admin-key.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';

const rotateRequest = z.strictObject({ revoke_access_tokens: z.boolean().default(true) });

/** Platform operators' views across organizations, and partner management. */
export function adminRoutes(deps: { db: Db; adminKey: string | undefined; secretBox: SecretBox; urlPolicy: UrlPolicy; temporal: Client }): Router {
  const router = Router();
  const admin = requireAdminKey(deps.adminKey);
  const partnerOr404 = async (id: string) => {
    const partner = await findPartner(deps.db, id);
    if (!partner) throw new ApiError('not_found', 'no such partner');
    return partner;
  };

  // Credentials are in this answer once; Relay keeps only a hash and a sealed signing secret.
  router.post('/api/admin/partners', admin, async (req, res) => {
    const request = parseOr400(partnerRequest, req.body, 'partner');
    await checkPartnerUrls(request, deps.urlPolicy);
    let created;
    try {
      created = await createPartner(deps.db, deps.secretBox, {
        name: request.name,
        redirectUris: request.redirect_uris,
        webhookUrl: request.webhook_url,
        errorUrl: request.error_url,
        logoUrl: request.logo_url,
        rateLimitPerUser: request.rate_limit_per_user,
        rateLimitPerPartner: request.rate_limit_per_partner,
        accessTokenTtlSeconds: request.access_token_ttl_seconds,
      });
    } catch (error) {
      if (error instanceof EncryptionUnavailable) throw new ApiError('service_unavailable', 'partners need RELAY_ENCRYPTION_KEY on the server');
      throw error;
    }
    res
      .status(201)
      .set('cache-control', 'no-store')
      .json({ id: created.partner.id, name: created.partner.name, ...created.credentials });
  });

  router.get('/api/admin/partners/:id', admin, async (req, res) => {
    res.json(partnerView(await partnerOr404(req.params.id as string)));
  });

  // Limits and the token lifetime change for requests and tokens from now on.
  router.patch('/api/admin/partners/:id', admin, async (req, res) => {
    const partner = await partnerOr404(req.params.id as string);
    const request = parseOr400(partnerSettingsRequest, req.body, 'partner settings');
    const updated = await updatePartnerSettings(deps.db, partner.id, {
      rateLimitPerUser: request.rate_limit_per_user,
      rateLimitPerPartner: request.rate_limit_per_partner,
      accessTokenTtlSeconds: request.access_token_ttl_seconds,
    });
    res.json(partnerView(updated ?? partner));
  });

  router.post('/api/admin/partners/:id/rotate', admin, async (req, res) => {
    const partner = await partnerOr404(req.params.id as string);
    const { revoke_access_tokens } = parseOr400(rotateRequest, req.body ?? {}, 'rotation');
    const credentials = await rotatePartner(deps.db, deps.secretBox, partner.id, { revokeAccessTokens: revoke_access_tokens });
    res.set('cache-control', 'no-store').json({ id: partner.id, ...credentials });
  });

  // Its tokens are refused, no user can connect and no code is exchanged; deliveries stop.
  router.post('/api/admin/partners/:id/suspend', admin, async (req, res) => {
    const partner = await partnerOr404(req.params.id as string);
    const { reason } = parseOr400(suspendRequest, req.body ?? {}, 'suspension');
    res.json(partnerView((await suspendPartner(deps.db, partner.id, reason)) ?? partner));
  });

  router.post('/api/admin/partners/:id/unsuspend', admin, async (req, res) => {
    const partner = await partnerOr404(req.params.id as string);
    await liftPartnerSuspension(deps.db, partner.id);
    res.json({ id: partner.id, suspended: false });
  });

  router.get('/api/admin/partners/:id/audit', admin, async (req, res) => {
    const partner = await partnerOr404(req.params.id as string);
    const { limit } = parseOr400(z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) }), req.query, 'query');
    const rows = await listPartnerAudit(deps.db, partner.id, limit);
    res.json({
      partner: { id: partner.id, suspended_at: partner.suspended_at?.toISOString() ?? null, suspended_reason: partner.suspended_reason },
      data: rows.map((row) => ({ user_id: row.user_id, method: row.method, endpoint: row.endpoint, ip: row.ip, status: row.status, at: row.at.toISOString() })),
    });
  });

  router.get('/api/admin/partners/:id/deliveries', admin, async (req, res) => {
    const partner = await partnerOr404(req.params.id as string);
    const { limit } = parseOr400(z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }), req.query, 'query');
    const deliveries = await listPartnerDeliveries(deps.db, partner.id, limit);
    const attempts = await listPartnerDeliveryAttempts(
      deps.db,
      deliveries.map((delivery) => delivery.idempotency_key),
    );
    res.json({
      data: deliveries.map((delivery) => ({
        idempotency_key: delivery.idempotency_key,
        user_id: delivery.user_id,
        action: delivery.action,
        status: delivery.status,
        partner_record_id: delivery.partner_record_id,
        error_event: delivery.error_event,
        created_at: delivery.created_at.toISOString(),
        attempts: attempts
          .filter((attempt) => attempt.idempotency_key === delivery.idempotency_key)
          .map((attempt) => ({
            kind: attempt.kind,
            attempt: attempt.attempt,
            at: attempt.at.toISOString(),
            status: attempt.http_status,
            duration_ms: attempt.duration_ms,
            error: attempt.error,
          })),
      })),
    });
  });

  router.post('/api/admin/partner-deliveries/:key/replay', admin, async (req, res) => {
    const key = req.params.key as string;
    try {
      const result = await replayWorkflow(deps.temporal, partnerDeliveryWorkflowId(key));
      res.status(202).json({ idempotency_key: key, run_id: result.runId });
    } catch (error) {
      if (error instanceof ReplayRefused) throw new ApiError('conflict', error.message);
      if (error instanceof WorkflowNotFoundError) throw new ApiError('not_found', 'no such partner delivery');
      throw error;
    }
  });

  return router;
}
