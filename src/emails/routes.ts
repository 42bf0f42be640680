import { Router, type Response } from 'express';
import type { Db } from '../db/database.js';
import { findEmail, listEmailEvents, listEmails, type EmailListRow } from './repository.js';
import { acceptEmails, SendNotStarted } from './accept.js';
import { IdempotencyKeyReused, idempotencyOf } from '../http/idempotency.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { requireAdminKey } from '../auth/admin-key.js';
import { listUnmatchedSnsMessages } from '../sns/index.js';
import { z } from 'zod';
import { MAX_ATTACHMENT_BYTES, attachmentBytes, batchSendRequest, listEmailsQuery, sendEmailRequest, type SendEmailRequest } from './schemas.js';
import { issuesOf, parseOr400 } from '../http/validate.js';
import { keysetPage } from '../http/pagination.js';
import { senderNotVerifiedMessage, unverifiedSenderDomains } from './sender.js';
import { domainOfMailbox } from '../domains/index.js';
import { DailyQuotaExceeded, type OrgLimits } from '../usage/index.js';
import { recipientStates } from './timeline.js';

export function emailRoutes(deps: { db: Db; workflows: WorkflowStarter; apiKeys: ApiKeyLookup; limits: OrgLimits }): Router {
  const { db, apiKeys } = deps;
  const router = Router();

  router.post('/api/v1/emails', requireApiKey(apiKeys, 'send'), async (req, res) => {
    const { orgId } = principalOf(req);
    const email = parseOr400(sendEmailRequest, req.body, 'email');
    checkAttachmentSize(email);
    const idempotency = idempotencyOf(req, 'emails');
    // Who may send as whom is decided once the request is known to be well-formed.
    const [unverified] = await unverifiedSenderDomains(db, orgId, [email.from]);
    if (unverified) throw new ApiError('sender_not_verified', senderNotVerifiedMessage(unverified), { domain: unverified });
    const { dailySendQuota } = await deps.limits(orgId);
    const result = await answerOf(
      res,
      acceptEmails(deps, orgId, [email], ([id]) => ({ status: 202, body: { id, status: 'queued' } }), {
        idempotency,
        defaultPriority: 'normal',
        dailySendQuota,
      }),
    );
    res.status(result.status).json(result.body);
  });

  router.post('/api/v1/emails/batch', requireApiKey(apiKeys, 'send'), async (req, res) => {
    const { orgId } = principalOf(req);
    const items = parseOr400(batchSendRequest, req.body, 'batch');
    const idempotency = idempotencyOf(req, 'emails/batch');
    // Each message is judged on its own: a bad one is answered with its error and does not sink the rest.
    const parsedItems = items.map((item) => sendEmailRequest.safeParse(item));
    const unverified = await unverifiedSenderDomains(
      db,
      orgId,
      parsedItems.flatMap((parsed) => (parsed.success ? [parsed.data.from] : [])),
    );
    const judged = parsedItems.map((parsed, index) => {
      if (!parsed.success) return { index, error: { code: 'validation_failed', message: 'invalid email', details: issuesOf(parsed.error) } };
      if (attachmentBytes(parsed.data) > MAX_ATTACHMENT_BYTES) {
        return { index, error: { code: 'payload_too_large', message: attachmentLimitMessage } };
      }
      const domain = domainOfMailbox(parsed.data.from);
      if (unverified.has(domain)) return { index, error: { code: 'sender_not_verified', message: senderNotVerifiedMessage(domain), details: { domain } } };
      return { index, email: parsed.data };
    });
    const accepted = judged.filter((entry): entry is { index: number; email: SendEmailRequest } => 'email' in entry);
    if (accepted.length === 0) {
      const onlySenders = judged.every((entry) => 'error' in entry && entry.error?.code === 'sender_not_verified');
      if (onlySenders) throw new ApiError('sender_not_verified', 'no message in the batch is from a verified sending domain of this organization', judged);
      throw new ApiError('validation_failed', 'no message in the batch is valid', judged);
    }
    const { dailySendQuota } = await deps.limits(orgId);
    const result = await answerOf(
      res,
      acceptEmails(
        deps,
        orgId,
        accepted.map((entry) => entry.email),
        (ids) => {
          const idByIndex = new Map(accepted.map((entry, position) => [entry.index, ids[position]]));
          const data = judged.map((entry) => ('email' in entry ? { index: entry.index, id: idByIndex.get(entry.index), status: 'queued' } : entry));
          return { status: accepted.length === judged.length ? 202 : 207, body: { data } };
        },
        // A batch is bulk mail unless its messages say otherwise.
        { idempotency, defaultPriority: 'bulk', dailySendQuota },
      ),
    );
    res.status(result.status).json(result.body);
  });

  router.get('/api/v1/emails/:id', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const email = await findEmail(db, orgId, req.params.id as string);
    if (!email) throw new ApiError('not_found', 'no such email');
    const events = (await listEmailEvents(db, orgId, email.id)).map((event) => ({
      type: event.type,
      recipient: event.recipient,
      at: event.occurred_at.toISOString(),
      detail: event.detail,
    }));
    res.json({ ...emailSummary(email), recipients: recipientStates(email, events), events });
  });

  router.get('/api/v1/emails', requireApiKey(apiKeys, 'read'), async (req, res) => {
    const { orgId } = principalOf(req);
    const query = parseOr400(listEmailsQuery, req.query, 'query');
    const rows = await listEmails(db, orgId, { ...query, limit: query.limit + 1, after: query.cursor });
    const page = keysetPage(rows, query.limit, (email) => ({ at: email.created_at, id: email.id }), emailSummary);
    res.json({ data: page.items, next_cursor: page.nextCursor });
  });

  return router;
}

/** The API's answer to accept's refusals. */
async function answerOf<T>(res: Response, outcome: Promise<T>): Promise<T> {
  try {
    return await outcome;
  } catch (error) {
    if (error instanceof DailyQuotaExceeded) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
      throw new ApiError('rate_limited', error.message, { daily_send_quota: error.quota });
    }
    if (error instanceof IdempotencyKeyReused) throw new ApiError('idempotency_key_conflict', 'this Idempotency-Key was already used with a different request');
    if (error instanceof SendNotStarted) {
      throw new ApiError('service_unavailable', 'Relay could not start the send; retry the request (with the same Idempotency-Key, if you sent one)', {
        cause: error.message,
      });
    }
    throw error;
  }
}

const attachmentLimitMessage = `attachments may hold at most ${MAX_ATTACHMENT_BYTES} bytes in total`;

function checkAttachmentSize(email: SendEmailRequest): void {
  if (attachmentBytes(email) > MAX_ATTACHMENT_BYTES) throw new ApiError('payload_too_large', attachmentLimitMessage);
}

function emailSummary(email: EmailListRow) {
  const { content } = email;
  return {
    id: email.id,
    status: email.status,
    from: content.from,
    to: content.to,
    cc: content.cc,
    bcc: content.bcc,
    subject: email.subject,
    tags: email.tags,
    metadata: email.metadata,
    ses_message_id: email.ses_message_id,
    failure_reason: email.failure_reason,
    priority: email.priority,
    created_at: email.created_at.toISOString(),
  };
}

/** Operators' view across organizations: SES events that named no message Relay sent, kept, never dropped. */
export function emailAdminRoutes(deps: { db: Db; adminKey: string | undefined }): Router {
  const router = Router();
  router.get('/api/admin/ses-notifications/unmatched', requireAdminKey(deps.adminKey), async (req, res) => {
    const { limit } = parseOr400(z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }), req.query, 'query');
    const rows = await listUnmatchedSnsMessages(deps.db, limit);
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
