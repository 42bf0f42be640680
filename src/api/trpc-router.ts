import { createSessionRouter } from '../auth/session-router.js';
import { t } from '../auth/trpc.js';
import type { Db } from '../db/database.js';
import { createHelpdeskRouter, type HelpdeskRouterDeps } from '../helpdesk/router.js';
import { createWebhooksRouter, type WebhookRouterDeps } from '../webhooks/router.js';

/** Every tRPC procedure Relay serves at /api/trpc, one router per capability. */
export function createAppRouter(deps: { db: Db; webhooks: WebhookRouterDeps; helpdesk: HelpdeskRouterDeps }) {
  return t.router({
    session: createSessionRouter({ db: deps.db }),
    webhooks: createWebhooksRouter(deps.webhooks),
    helpdesk: createHelpdeskRouter(deps.helpdesk),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
