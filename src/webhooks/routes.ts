import { Router } from 'express';
import { z } from 'zod';
import { WEBHOOK_EVENT_CATALOGUE } from './event-types.js';

/** Every outgoing webhook event with its payload's JSON Schema (draft 2020-12, from the zod schema) and an example. */
function webhookEventTypesBody() {
  return {
    data: WEBHOOK_EVENT_CATALOGUE.map((entry) => ({
      type: entry.type,
      description: entry.description,
      schema: z.toJSONSchema(entry.payload, { io: 'output' }),
      example: entry.example,
    })),
  };
}

/** The event catalogue: public, like the OpenAPI document, since it holds no tenant data. */
export function webhookRoutes(): Router {
  const body = webhookEventTypesBody();
  return Router().get('/api/v1/webhook-event-types', (_req, res) => void res.json(body));
}
