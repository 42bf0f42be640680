import { createSessionRouter } from '../auth/session-router.js';
import { t } from '../auth/trpc.js';
import type { Db } from '../db/database.js';
import { createDomainsRouter, type DomainRouterDeps } from '../domains/router.js';
import { createWebhooksRouter, type WebhookRouterDeps } from '../webhooks/router.js';

/** Every tRPC procedure Relay serves at /api/trpc, one router per capability. */
export function createAppRouter(deps: { db: Db; webhooks: WebhookRouterDeps; domains: DomainRouterDeps }) {
  return t.router({
    session: createSessionRouter({ db: deps.db }),
    webhooks: createWebhooksRouter(deps.webhooks),
    domains: createDomainsRouter(deps.domains),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
