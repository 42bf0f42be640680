import { t } from '../auth/trpc.js';
import { createWebhooksRouter, type WebhookRouterDeps } from '../webhooks/router.js';

/** Every tRPC procedure Relay serves at /api/trpc, one router per capability. */
export function createAppRouter(deps: { webhooks: WebhookRouterDeps }) {
  return t.router({ webhooks: createWebhooksRouter(deps.webhooks) });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
