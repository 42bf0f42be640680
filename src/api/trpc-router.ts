import { createApiKeysRouter } from '../auth/api-key-router.js';
import type { ApiKeyLookup } from '../auth/api-keys.js';
import { createSessionRouter } from '../auth/session-router.js';
import { t } from '../auth/trpc.js';
import { createChannelsRouter } from '../channels/router.js';
import type { Db } from '../db/database.js';
import { createDomainsRouter, type DomainRouterDeps } from '../domains/router.js';
import { createEmailsRouter, type EmailRouterDeps } from '../emails/router.js';
import { createSuppressionsRouter } from '../emails/suppression-router.js';
import { createInboundRouter, type InboundRouterDeps } from '../inbound/router.js';
import { createPartnersRouter } from '../partners/router.js';
import type { SecretBox } from '../security/encryption.js';
import { createHelpdeskRouter, type HelpdeskRouterDeps } from '../helpdesk/router.js';
import { createWebhooksRouter, type WebhookRouterDeps } from '../webhooks/router.js';

export interface AppRouterDeps {
  db: Db;
  apiKeys: ApiKeyLookup;
  secretBox: SecretBox;
  emails: EmailRouterDeps;
  inbound: InboundRouterDeps;
  webhooks: WebhookRouterDeps;
  domains: DomainRouterDeps;
  helpdesk: HelpdeskRouterDeps;
}

/** Every tRPC procedure Relay serves at /api/trpc, one router per capability. */
export function createAppRouter(deps: AppRouterDeps) {
  const { db } = deps;
  return t.router({
    session: createSessionRouter({ db }),
    apiKeys: createApiKeysRouter({ db, apiKeys: deps.apiKeys }),
    emails: createEmailsRouter(deps.emails),
    suppressions: createSuppressionsRouter({ db }),
    webhooks: createWebhooksRouter(deps.webhooks),
    channels: createChannelsRouter({ db, secretBox: deps.secretBox }),
    inbound: createInboundRouter(deps.inbound),
    partners: createPartnersRouter({ db }),
    domains: createDomainsRouter(deps.domains),
    helpdesk: createHelpdeskRouter(deps.helpdesk),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
