import { t } from '../auth/trpc.js';
import { createDomainsRouter, type DomainRouterDeps } from '../domains/router.js';
import { createWebhooksRouter, type WebhookRouterDeps } from '../webhooks/router.js';

/** Every tRPC procedure Relay serves at /api/trpc, one router per capability. */
export function createAppRouter(deps: { webhooks: WebhookRouterDeps; domains: DomainRouterDeps }) {
  return t.router({ webhooks: createWebhooksRouter(deps.webhooks), domains: createDomainsRouter(deps.domains) });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
