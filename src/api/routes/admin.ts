import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { listUnmatchedSesNotifications } from '../../db/repositories/ses-notifications.js';
import { constantTimeEqual, sha256 } from '../../security/secrets.js';
import { ApiError } from '../errors.js';
import { parseOr400 } from '../validate.js';

/** `Authorization: Bearer <RELAY_ADMIN_KEY>`; with no admin key configured, nobody is an admin. */
export function requireAdminKey(adminKey: string | undefined): RequestHandler {
  const expected = adminKey ? sha256(adminKey) : undefined;
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    // Hashing both sides makes the comparison constant-time whatever the lengths.
    if (!expected || !match?.[1] || !constantTimeEqual(sha256(match[1]), expected)) {
      throw new ApiError('unauthorized', 'missing or invalid admin key');
    }
    next();
  };
}

/** Platform operators' views across organizations. */
export function adminRoutes(deps: { db: Db; adminKey: string | undefined }): Router {
  const router = Router();
  const admin = requireAdminKey(deps.adminKey);

  // SES events that named no message Relay sent: kept, never dropped, and shown here.
  router.get('/api/admin/ses-notifications/unmatched', admin, async (req, res) => {
    const { limit } = parseOr400(z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }), req.query, 'query');
    const rows = await listUnmatchedSesNotifications(deps.db, limit);
    res.json({
      data: rows.map((row) => ({
        sns_message_id: row.sns_message_id,
        topic_arn: row.topic_arn,
        event_type: row.event_type,
        ses_message_id: row.ses_message_id,
        received_at: row.received_at.toISOString(),
        message: (row.payload as { Message?: string }).Message,
      })),
    });
  });

  return router;
}
