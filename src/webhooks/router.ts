import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import {
  createWebhook,
  deleteWebhook,
  findDeliveryForOrg,
  findFirstDeliveryAttempt,
  findWebhook,
  insertDelivery,
  insertWebhookEvents,
  listDeliveries,
  listWebhooks,
  reopenDelivery,
  updateWebhook,
} from './repository.js';
import { TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES, type Webhook } from '../db/tables/webhooks.js';
import { EncryptionUnavailable, type SecretBox } from '../security/encryption.js';
import { checkTargetUrl, SsrfRefused, type UrlPolicy } from '../security/ssrf.js';
import { ReplayRefused } from '../temporal/replay.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { scopedProcedure, t } from '../auth/trpc.js';

export interface WebhookRouterDeps {
  db: Db;
  workflows: WorkflowStarter;
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
}

// Everyone in the organization reads webhooks; managing them is for Admins and Owners.
const read = scopedProcedure('webhooks', 'Viewer');
const manage = scopedProcedure('webhooks', 'Admin');

const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .transform((list) => [...new Set(list)]);
const secret = z.string().min(16, 'at least 16 characters').max(256);
const id = z.uuid();

function view(webhook: Webhook) {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    enabled: webhook.enabled,
    status: webhook.status,
    hasSecret: webhook.secret_sealed !== null,
    failedAt: webhook.failed_at?.toISOString() ?? null,
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

function seal(box: SecretBox, value: string): Buffer {
  try {
    return box.seal(value);
  } catch (error) {
    if (error instanceof EncryptionUnavailable)
      throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'webhook secrets need RELAY_ENCRYPTION_KEY on the server' });
    throw error;
  }
}

const notFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'no such webhook' });

export function createWebhooksRouter(deps: WebhookRouterDeps) {
  return t.router({
    list: read.query(async ({ ctx }) => (await listWebhooks(deps.db, ctx.orgId)).map(view)),

    create: manage
      .input(z.strictObject({ url: z.string().max(2048), events, secret: secret.optional(), enabled: z.boolean().default(true) }))
      .mutation(async ({ ctx, input }) => {
        const url = await safeUrl(input.url, deps.urlPolicy);
        const webhook = await createWebhook(deps.db, {
          orgId: ctx.orgId,
          url,
          events: input.events,
          secretSealed: input.secret ? seal(deps.secretBox, input.secret) : null,
          enabled: input.enabled,
        });
        return view(webhook);
      }),

    update: manage
      .input(
        z.strictObject({
          id,
          url: z.string().max(2048).optional(),
          events: events.optional(),
          secret: secret.nullable().optional(),
          enabled: z.boolean().optional(),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        if (!(await findWebhook(deps.db, ctx.orgId, input.id))) throw notFound();
        const url = input.url === undefined ? undefined : await safeUrl(input.url, deps.urlPolicy);
        const secretSealed = input.secret === undefined ? undefined : input.secret === null ? null : seal(deps.secretBox, input.secret);
        const webhook = await updateWebhook(deps.db, ctx.orgId, input.id, { url, events: input.events, secretSealed, enabled: input.enabled });
        if (!webhook) throw notFound();
        return view(webhook);
      }),

    delete: manage.input(z.strictObject({ id })).mutation(async ({ ctx, input }) => {
      if (!(await deleteWebhook(deps.db, ctx.orgId, input.id))) throw notFound();
      return { id: input.id, deleted: true };
    }),

    /** Sends one signed `webhook.test` event now and answers with what the endpoint said. */
    test: manage.input(z.strictObject({ id })).mutation(async ({ ctx, input }) => {
      const { db, workflows } = deps;
      const webhook = await findWebhook(db, ctx.orgId, input.id);
      if (!webhook) throw notFound();
      const [eventId] = await insertWebhookEvents(db, ctx.orgId, [
        { type: TEST_EVENT_TYPE, data: { webhookId: webhook.id, message: 'This is a test event from Relay.' } },
      ]);
      const deliveryId = await insertDelivery(db, ctx.orgId, { webhookId: webhook.id, eventId: eventId! });
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
    deliveries: read.input(z.strictObject({ id, limit: z.number().int().min(1).max(100).default(25) })).query(async ({ ctx, input }) => {
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
        })),
        createdAt: delivery.created_at.toISOString(),
      }));
    }),

    /** Sends a failed delivery again, with the same event id and body. */
    replay: manage.input(z.strictObject({ deliveryId: id })).mutation(async ({ ctx, input }) => {
      const delivery = await findDeliveryForOrg(deps.db, ctx.orgId, input.deliveryId);
      if (!delivery) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such delivery' });
      if (delivery.status !== 'failed')
        throw new TRPCError({ code: 'CONFLICT', message: `the delivery is ${delivery.status}; only failed deliveries are replayed` });
      try {
        await deps.workflows.replayWebhookDelivery({ deliveryId: delivery.id, eventId: delivery.event_id, webhookId: delivery.webhook_id, orgId: ctx.orgId });
      } catch (error) {
        if (error instanceof ReplayRefused) throw new TRPCError({ code: 'CONFLICT', message: error.message });
        throw error;
      }
      await reopenDelivery(deps.db, ctx.orgId, delivery.id);
      return { deliveryId: delivery.id, status: 'pending' };
    }),
  });
}
