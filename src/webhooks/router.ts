import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import type { Db } from '../db/database.js';
import {
  createWebhook,
  deleteWebhook,
  findDeliveryForOrg,
  findFirstDeliveryAttempt,
  findWebhook,
  insertDelivery,
  insertTestWebhookEvent,
  listDeliveries,
  listWebhooks,
  reopenDeliveries,
  rotateWebhookSecret,
  skipPendingDeliveries,
  updateWebhook,
} from './repository.js';
import type { Webhook } from '../db/tables/webhooks.js';
import { EncryptionUnavailable, UnopenableSecret, type SealedField, type SecretBox } from '../security/encryption.js';
import { generateStandardWebhookSecret } from '../security/signatures.js';
import { webhookProcedures as wire, type webhookView } from './schemas.js';
import { checkTargetUrl, SsrfRefused, type UrlPolicy } from '../security/ssrf.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { scopedProcedure, t } from '../auth/trpc.js';

export interface WebhookRouterDeps {
  db: Db;
  workflows: WorkflowStarter;
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
  /** How long the secret before a rotation keeps signing beside the new one. */
  rotationOverlapMs: number;
}

// Everyone in the organization reads webhooks; managing them is for Admins and Owners.
const read = scopedProcedure('webhooks', 'Viewer');
const manage = scopedProcedure('webhooks', 'Admin');

function view(webhook: Webhook): z.infer<typeof webhookView> {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    enabled: webhook.enabled,
    status: webhook.status,
    hasSecret: webhook.secret_sealed !== null,
    previousSecretExpiresAt:
      webhook.previous_secret_expires_at && webhook.previous_secret_expires_at > new Date() ? webhook.previous_secret_expires_at.toISOString() : null,
    failedAt: webhook.failed_at?.toISOString() ?? null,
    disabledReason: webhook.disabled_reason,
    createdAt: webhook.created_at.toISOString(),
    updatedAt: webhook.updated_at.toISOString(),
  };
}

async function safeUrl(url: string, policy: UrlPolicy): Promise<string> {
  try {
    return (await checkTargetUrl(url, policy)).toString();
  } catch (error) {
    if (error instanceof SsrfRefused) throw new TRPCError({ code: 'BAD_REQUEST', message: `url refused: ${error.message}` });
    throw error;
  }
}

function seal(box: SecretBox, value: string, field: SealedField): Buffer {
  try {
    return box.seal(value, field);
  } catch (error) {
    if (error instanceof EncryptionUnavailable)
      throw new TRPCError({
        code: 'PRECONDITION_FAILED',
        message: 'webhooks need RELAY_ENCRYPTION_KEY on the server (every webhook signs with a sealed secret)',
      });
    throw error;
  }
}

/** A stored secret, opened; one this server cannot open is the operator's to fix, and the caller's to replace. */
function opened(box: SecretBox, sealed: Buffer, field: SealedField): string {
  try {
    return box.open(sealed, field);
  } catch (error) {
    if (error instanceof EncryptionUnavailable || error instanceof UnopenableSecret)
      throw new TRPCError({
        code: 'PRECONDITION_FAILED',
        message: `the webhook's current secret cannot be opened on this server (${error.message}); set a new one with webhooks.update`,
      });
    throw error;
  }
}

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'no such webhook' });

export function createWebhooksRouter(deps: WebhookRouterDeps) {
  return t.router({
    list: read.output(wire.list.output).query(async ({ ctx }) => (await listWebhooks(deps.db, ctx.orgId)).map(view)),

    create: manage
      .input(wire.create.input)
      .output(wire.create.output)
      .mutation(async ({ ctx, input }) => {
        const url = await safeUrl(input.url, deps.urlPolicy);
        // Every webhook signs: without a secret of the caller's, Relay makes a whsec_ one and shows it this once.
        const generated = input.secret === undefined ? generateStandardWebhookSecret() : undefined;
        const id = randomUUID();
        const webhook = await createWebhook(deps.db, {
          id,
          orgId: ctx.orgId,
          url,
          events: input.events,
          secretSealed: seal(deps.secretBox, input.secret ?? generated!, { table: 'webhooks', column: 'secret_sealed', rowId: id }),
          enabled: input.enabled,
        });
        return { ...view(webhook), ...(generated ? { secret: generated } : {}) };
      }),

    update: manage
      .input(wire.update.input)
      .output(wire.update.output)
      .mutation(async ({ ctx, input }) => {
        const existing = await findWebhook(deps.db, ctx.orgId, input.id);
        if (!existing) throw notFound();
        const url = input.url === undefined ? undefined : await safeUrl(input.url, deps.urlPolicy);
        // `secret: null` no longer leaves a webhook unsigned: it gets a new whsec_ secret, shown this once.
        const generated = input.secret === null ? generateStandardWebhookSecret() : undefined;
        const newSecret = input.secret ?? generated;
        const secretSealed =
          newSecret === undefined ? undefined : seal(deps.secretBox, newSecret, { table: 'webhooks', column: 'secret_sealed', rowId: existing.id });
        const webhook = await deps.db.transaction().execute(async (trx) => {
          const updated = await updateWebhook(trx, ctx.orgId, input.id, { url, events: input.events, secretSealed, enabled: input.enabled });
          // Nothing is left pending behind a disabled webhook: what waited for a retry ends skipped.
          if (updated && input.enabled === false) await skipPendingDeliveries(trx, updated.id, 'the webhook was disabled by its owner');
          return updated;
        });
        if (!webhook) throw notFound();
        return { ...view(webhook), ...(generated ? { secret: generated } : {}) };
      }),

    delete: manage
      .input(wire.delete.input)
      .output(wire.delete.output)
      .mutation(async ({ ctx, input }) => {
        if (!(await deleteWebhook(deps.db, ctx.orgId, input.id))) throw notFound();
        return { id: input.id, deleted: true };
      }),

    /**
     * A new secret (the caller's, or a generated whsec_ one), returned this once. The old
     * one keeps signing beside it for the overlap (24 h by default), then stops.
     */
    rotateSecret: manage
      .input(wire.rotateSecret.input)
      .output(wire.rotateSecret.output)
      .mutation(async ({ ctx, input }) => {
        const newSecret = input.secret ?? generateStandardWebhookSecret();
        const previousExpiresAt = new Date(Date.now() + deps.rotationOverlapMs);
        const webhook = await deps.db.transaction().execute(async (trx) => {
          const current = await findWebhook(trx, ctx.orgId, input.id, { forUpdate: true });
          if (!current) throw notFound();
          const field = { table: 'webhooks', rowId: current.id } as const;
          // The current secret moves to the previous column: sealed again for it.
          const previousSecretSealed =
            current.secret_sealed &&
            seal(deps.secretBox, opened(deps.secretBox, current.secret_sealed, { ...field, column: 'secret_sealed' }), {
              ...field,
              column: 'previous_secret_sealed',
            });
          return rotateWebhookSecret(trx, ctx.orgId, input.id, {
            secretSealed: seal(deps.secretBox, newSecret, { ...field, column: 'secret_sealed' }),
            previousSecretSealed,
            previousExpiresAt,
          });
        });
        if (!webhook) throw notFound();
        return { id: webhook.id, secret: newSecret, previousSecretExpiresAt: webhook.previous_secret_expires_at?.toISOString() ?? null };
      }),

    /** Sends one signed `webhook.test` event now and answers with what the endpoint said. */
    test: manage
      .input(wire.test.input)
      .output(wire.test.output)
      .mutation(async ({ ctx, input }) => {
        const { db, workflows } = deps;
        const webhook = await findWebhook(db, ctx.orgId, input.id);
        if (!webhook) throw notFound();
        const eventId = await insertTestWebhookEvent(db, ctx.orgId, { webhookId: webhook.id, message: 'This is a test event from Relay.' });
        const deliveryId = await insertDelivery(db, ctx.orgId, { webhookId: webhook.id, eventId });
        await workflows.runWebhookTest({ deliveryId, orgId: ctx.orgId });
        const attempt = await findFirstDeliveryAttempt(db, ctx.orgId, deliveryId);
        return {
          success: attempt !== undefined && attempt.error === null,
          eventId,
          deliveryId,
          status: attempt?.http_status ?? null,
          durationMs: attempt?.duration_ms ?? null,
          error: attempt?.error ?? (attempt ? null : 'the webhook is disabled'),
        };
      }),

    /** The delivery log: each delivery with every attempt (time, HTTP status, duration, response or error). */
    deliveries: read
      .input(wire.deliveries.input)
      .output(wire.deliveries.output)
      .query(async ({ ctx, input }) => {
        if (!(await findWebhook(deps.db, ctx.orgId, input.id))) throw notFound();
        const rows = await listDeliveries(deps.db, ctx.orgId, input.id, input.limit);
        return rows.map((delivery) => ({
          id: delivery.id,
          eventId: delivery.event_id,
          event: delivery.type,
          status: delivery.status,
          attempts: delivery.attempts_log.map((attempt) => ({
            attempt: attempt.attempt,
            at: attempt.attempted_at.toISOString(),
            status: attempt.http_status,
            durationMs: attempt.duration_ms,
            response: attempt.response_excerpt,
            error: attempt.error,
            nextRetryAt: attempt.next_attempt_at?.toISOString() ?? null,
          })),
          reason: delivery.reason,
          createdAt: delivery.created_at.toISOString(),
        }));
      }),

    /**
     * Sends failed and skipped deliveries again, with the same event id and body, each on a
     * fresh schedule: one delivery, or a webhook's deliveries of the events raised in
     * [since, until) (all of them since `since` without `until`), in the order the events
     * were raised. They are sent even while the webhook is disabled: replay is an explicit ask.
     * Events past their retention period have no data left: one is refused (409), a range leaves them out.
     */
    replay: manage
      .input(wire.replay.input)
      .output(wire.replay.output)
      .mutation(async ({ ctx, input }) => {
        const replayId = randomUUID();
        if ('deliveryId' in input) {
          const delivery = await findDeliveryForOrg(deps.db, ctx.orgId, input.deliveryId);
          if (!delivery) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such delivery' });
          if (delivery.event_content_purged_at)
            throw new TRPCError({ code: 'CONFLICT', message: `event ${delivery.event_id} is past its retention period: its content was purged` });
          if ((await reopenDeliveries(deps.db, ctx.orgId, { deliveryId: delivery.id }, replayId)) === 0)
            throw new TRPCError({ code: 'CONFLICT', message: `the delivery is ${delivery.status}; only failed and skipped deliveries are replayed` });
          await deps.workflows.startWebhookReplay({ replayId, orgId: ctx.orgId });
          return { deliveryId: delivery.id, status: 'pending' as const, replayId };
        }
        const since = new Date(input.since);
        const until = input.until === undefined ? undefined : new Date(input.until);
        if (until && until <= since) throw new TRPCError({ code: 'BAD_REQUEST', message: 'until must be after since' });
        if (!(await findWebhook(deps.db, ctx.orgId, input.id))) throw notFound();
        const deliveries = await reopenDeliveries(deps.db, ctx.orgId, { webhookId: input.id, since, until }, replayId);
        if (deliveries > 0) await deps.workflows.startWebhookReplay({ replayId, orgId: ctx.orgId });
        return { webhookId: input.id, deliveries, status: 'pending' as const, replayId: deliveries > 0 ? replayId : null };
      }),
  });
}
