import { z } from 'zod';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '../db/tables/webhooks.js';
import { isValidStandardWebhookSecret, STANDARD_WEBHOOK_SECRET_PREFIX } from '../security/signatures.js';

/**
 * The webhooks.* tRPC procedures' inputs and outputs: the router validates with these,
 * and the OpenAPI document (and so the SDK) describes the wire from them.
 */

const id = z.uuid();
const timestamp = z.iso.datetime();

const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .transform((list) => [...new Set(list)]);

/** The seed's free form (16 to 256 characters), or a Standard Webhooks `whsec_` secret (24 to 64 bytes, base64). */
const secret = z
  .string()
  .min(16, 'at least 16 characters')
  .max(256)
  .refine((value) => !value.startsWith(STANDARD_WEBHOOK_SECRET_PREFIX) || isValidStandardWebhookSecret(value), 'a whsec_ secret is 24 to 64 bytes, base64');

export const webhookView = z.object({
  id,
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  enabled: z.boolean(),
  status: z.enum(['active', 'failed']),
  hasSecret: z.boolean(),
  /** While a rotation overlaps: when the previous secret stops signing. */
  previousSecretExpiresAt: timestamp.nullable(),
  failedAt: timestamp.nullable(),
  /** Why Relay disabled it (the schedule ran out, 410 Gone). */
  disabledReason: z.string().nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

/** Shown once: a secret Relay generated (create without one, update with `secret: null`, rotateSecret). */
const shownOnce = z.string().describe('the signing secret, shown this once');

export const webhookProcedures = {
  list: { kind: 'query', summary: "The organization's webhooks", input: undefined, output: z.array(webhookView) },
  create: {
    kind: 'mutation',
    summary: 'Subscribe an endpoint to events; without a secret Relay generates a whsec_ one, returned once',
    input: z.strictObject({ url: z.url().max(2048), events, secret: secret.optional(), enabled: z.boolean().default(true) }),
    output: webhookView.extend({ secret: shownOnce.optional() }),
  },
  update: {
    kind: 'mutation',
    summary: 'Change a webhook; enabled: false skips its pending deliveries, secret: null replaces the secret with a generated one',
    input: z.strictObject({
      id,
      url: z.url().max(2048).optional(),
      events: events.optional(),
      secret: secret.nullable().optional(),
      enabled: z.boolean().optional(),
    }),
    output: webhookView.extend({ secret: shownOnce.optional() }),
  },
  delete: {
    kind: 'mutation',
    summary: 'Delete a webhook and its delivery log',
    input: z.strictObject({ id }),
    output: z.object({ id, deleted: z.literal(true) }),
  },
  rotateSecret: {
    kind: 'mutation',
    summary: 'A new secret (given, or generated whsec_); the old one keeps signing beside it for the overlap (24 h)',
    input: z.strictObject({ id, secret: secret.optional() }),
    output: z.object({ id, secret: shownOnce, previousSecretExpiresAt: timestamp.nullable() }),
  },
  test: {
    kind: 'mutation',
    summary: 'Send one signed webhook.test event now and answer with what the endpoint said',
    input: z.strictObject({ id }),
    output: z.object({
      success: z.boolean(),
      eventId: id,
      deliveryId: id,
      status: z.int().nullable(),
      durationMs: z.int().nullable(),
      error: z.string().nullable(),
    }),
  },
  deliveries: {
    kind: 'query',
    summary: 'The delivery log: newest deliveries first, each with every attempt',
    input: z.strictObject({ id, limit: z.int().min(1).max(100).default(25) }),
    output: z.array(
      z.object({
        id,
        eventId: id,
        event: z.string(),
        status: z.enum(WEBHOOK_DELIVERY_STATUSES),
        /** Why it was skipped or failed for good. */
        reason: z.string().nullable(),
        attempts: z.array(
          z.object({
            attempt: z.int(),
            at: timestamp,
            status: z.int().nullable(),
            durationMs: z.int(),
            response: z.string().nullable().describe('the first 1 KB of the answer'),
            error: z.string().nullable(),
            nextRetryAt: timestamp.nullable(),
          }),
        ),
        createdAt: timestamp,
      }),
    ),
  },
  replay: {
    kind: 'mutation',
    summary:
      "Send failed and skipped deliveries again: one delivery, or a webhook's deliveries of the events raised in [since, until) (all since `since` without until), in the order raised. Events past their retention period have no data left: one is refused (409), a range leaves them out",
    input: z.union([
      z.strictObject({ deliveryId: id }),
      z.strictObject({ id, since: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }).optional() }),
    ]),
    output: z.union([
      z.object({ deliveryId: id, status: z.literal('pending'), replayId: id }),
      z.object({ webhookId: id, deliveries: z.int(), status: z.literal('pending'), replayId: id.nullable() }),
    ]),
  },
} as const;
