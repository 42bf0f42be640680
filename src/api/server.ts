import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router, type Request } from 'express';
import type { Client } from '@temporalio/client';
import { apiKeyRoutes } from '../auth/api-key-routes.js';
import { adminKeyMatcher } from '../auth/admin-key.js';
import { authenticateApiKey, cachedApiKeyLookup } from '../auth/api-keys.js';
import { createSessions, requireCsrfHeader } from '../auth/sessions.js';
import { createTrpcContext } from '../auth/trpc.js';
import { channelRoutes } from '../channels/routes.js';
import { channelWebhookRoutes } from '../channels/webhook-routes.js';
import { commerceConnectRoutes } from '../commerce/connect-routes.js';
import { commerceRoutes } from '../commerce/routes.js';
import { commerceWebhookRoutes } from '../commerce/webhook-routes.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { domainRoutes } from '../domains/routes.js';
import { emailAdminRoutes, emailRoutes } from '../emails/routes.js';
import { sesWebhookRoutes } from '../emails/ses-webhook-routes.js';
import { suppressionRoutes } from '../emails/suppression-routes.js';
import { helpdeskFileRoutes } from '../helpdesk/file-routes.js';
import { helpdeskRoutes } from '../helpdesk/routes.js';
import { inboundAddressRoutes } from '../inbound/address-routes.js';
import { inboundRoutes } from '../inbound/routes.js';
import { inboundWebhookRoutes } from '../inbound/webhook-routes.js';
import { createHttpClient, ensureSuccess } from '../integrations/http.js';
import { createHubClient } from '../integrations/hub.js';
import { createSesClient } from '../integrations/ses.js';
import { createSesIdentities } from '../integrations/ses-identities.js';
import { createShopifyClient } from '../integrations/shopify.js';
import { createStripeConnectClient } from '../integrations/stripe-connect.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { adminRoutes } from '../partners/admin-routes.js';
import { debriefRoutes } from '../partners/debrief-routes.js';
import { oauthRoutes } from '../partners/oauth-routes.js';
import { partnerTokenFence, partnerTokenRoutes } from '../partners/partner-token-routes.js';
import { createSecretBox } from '../security/encryption.js';
import { createSnsVerifier, type CertificateFetcher } from '../security/sns.js';
import { registerSearchAttributes } from '../temporal/register-search-attributes.js';
import { createWorkflowStarter } from '../temporal/workflow-starter.js';
import { webhookRoutes } from '../webhooks/routes.js';
import { cachedOrgLimits, orgRequestRateGuard } from '../usage/limits.js';
import { organizationLimitRoutes } from '../usage/limit-routes.js';
import { BODY_BUDGET_WAIT_MS, createBodyBudget } from '../http/body-budget.js';
import { createApp } from './app.js';
import { healthRoutes } from './health.js';
import { WEB_APP_DIR, webAppRoutes } from './web-app.js';
import { buildOpenApiDocument } from './openapi.js';
import { createAppRouter } from './trpc-router.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The API's composition root: builds each capability's routes from the config and the
 * shared services, then listens on the config's host and port (0 picks a free port).
 */
export async function startApiServer(deps: {
  config: Config;
  db: Db;
  temporal: Client;
  logger: Logger;
  metrics: Metrics;
  /** Where SNS signing certificates come from; tests serve their own (the URL check still applies). */
  fetchSnsCertificate?: CertificateFetcher;
  /** The built dashboard (default: dist/web of this checkout). */
  webAppDir?: string;
}): Promise<ApiServer> {
  const { config, db, temporal, logger, metrics } = deps;
  // Workflow starts carry search attributes; the API may come up before any worker has registered them.
  await registerSearchAttributes(temporal, config.temporal.namespace);
  const workflows = createWorkflowStarter(temporal, { taskQueue: config.temporal.taskQueue, metrics });
  const http = createHttpClient({ timeoutMs: 5000 });
  const fetchCertificate =
    deps.fetchSnsCertificate ?? (async (url: string) => ensureSuccess(await http.request({ method: 'GET', url }), 'SNS certificate host').body);
  const snsVerifier = (allowedTopicArns: readonly string[]) => createSnsVerifier({ allowedTopicArns, fetchCertificate });
  const secretBox = createSecretBox(config.encryptionKey, config.previousEncryptionKeys);
  const urlPolicy = { allowInsecure: config.webhooks.allowInsecure };
  const hub = config.hub ? createHubClient(http, config.hub) : undefined;
  const apiKeys = cachedApiKeyLookup(db, { onError: (error) => logger.warn({ err: error }, 'recording an API key use failed') });
  const limits = cachedOrgLimits(db, config.orgLimits);
  const sessions = createSessions({
    db,
    hub,
    logger,
    publicUrl: config.publicUrl,
    sessionTtlHours: config.sessionTtlHours,
    hubSessionCacheMs: config.hub?.sessionCacheMs ?? 0,
  });
  const oauth = { db, sessions, hub, publicUrl: config.publicUrl, logger, urlPolicy, suspendAfterDenials: config.partners.suspendAfterDenials };
  const routeMaxAttempts = config.inbound.routeMaxAttempts;
  const openApi = buildOpenApiDocument();
  const domains = {
    db,
    sesIdentities: createSesIdentities(createSesClient({ ...config.ses, endpoint: config.ses.identityEndpoint })),
    workflows,
    checks: config.domains.checks,
    region: config.ses.region,
  };
  const webApp = webAppRoutes(deps.webAppDir ?? WEB_APP_DIR);
  if (!webApp) logger.warn({ dir: deps.webAppDir ?? WEB_APP_DIR }, 'the dashboard is not built (npm run build): / answers 404');

  const bodies = createBodyBudget({
    bytes: config.http.bodyBudgetBytes,
    waitMs: BODY_BUDGET_WAIT_MS,
    providerBodyTimeoutMs: config.http.providerBodyTimeoutMs,
    inFlight: metrics.httpBodyBytesInFlight,
    waiting: metrics.httpBodyBytesWaiting,
  });
  const isAdminKey = adminKeyMatcher(config.adminKey);
  const hasApiKey = async (req: Request) => (await authenticateApiKey(apiKeys, req.get('authorization'))) !== undefined;
  const app = createApp({
    logger,
    metrics,
    authenticatesBody: async (req) => isAdminKey(req.get('authorization')) || (await hasApiKey(req)),
    guards: [partnerTokenFence(oauth), orgRequestRateGuard({ db, apiKeys, limits })],
    bodies,
    providerWebhooks: [
      sesWebhookRoutes({ db, workflows, sns: snsVerifier(config.snsTopicArns), logger, metrics, bodies }),
      inboundWebhookRoutes({
        db,
        workflows,
        inboundSns: snsVerifier(config.inbound.sesTopicArns),
        secrets: config.inbound,
        routeMaxAttempts,
        logger,
        metrics,
        bodies,
      }),
      channelWebhookRoutes({ db, workflows, secretBox, publicUrl: config.publicUrl, logger, metrics, bodies, dialpad: config.dialpad }),
      commerceWebhookRoutes({
        db,
        workflows,
        secretBox,
        amazonSns: snsVerifier(config.commerce.amazonTopicArns),
        commerce: config.commerce,
        routeMaxAttempts,
        logger,
        metrics,
        bodies,
      }),
    ],
    routes: [
      Router().get('/api/openapi.json', (_req, res) => void res.json(openApi)),
      healthRoutes({ db, temporal, metrics, metricsToken: config.metricsToken, logger }),
      emailRoutes({ db, workflows, apiKeys, limits }),
      domainRoutes({ ...domains, apiKeys }),
      suppressionRoutes({ db, apiKeys }),
      apiKeyRoutes({ db, apiKeys }),
      inboundRoutes({ db, temporal, workflows, apiKeys, routeMaxAttempts }),
      inboundAddressRoutes({ db, apiKeys, workflows, checks: config.domains.checks }),
      helpdeskRoutes({ db, workflows, apiKeys, logger }),
      webhookRoutes(),
      helpdeskFileRoutes({
        db,
        apiKeys,
        sessions,
        // Voicemail recordings are a few MB; their links come from Dialpad's signed webhooks and are still SSRF-checked.
        recordingHttp: createHttpClient({ timeoutMs: 15_000, maxResponseBytes: 25 * 1024 * 1024, guard: urlPolicy }),
      }),
      channelRoutes({ db, apiKeys, secretBox }),
      commerceRoutes({ db, apiKeys }),
      commerceConnectRoutes({
        db,
        apiKeys,
        adminKey: config.adminKey,
        secretBox,
        workflows,
        logger,
        publicUrl: config.publicUrl,
        shopify: config.commerce.shopifyApp
          ? { client: createShopifyClient(http, config.commerce.shopifyApp), apiSecret: config.commerce.shopifyApp.apiSecret }
          : undefined,
        stripeConnect: config.commerce.stripeConnectApp ? createStripeConnectClient(http, config.commerce.stripeConnectApp) : undefined,
      }),
      sessions.router,
      oauthRoutes({ ...oauth, bodies }),
      partnerTokenRoutes(oauth),
      debriefRoutes({ db, workflows, apiKeys, retry: { attempts: config.partners.deliveryAttempts, firstRetryMs: config.partners.firstRetryMs } }),
      emailAdminRoutes({ db, adminKey: config.adminKey }),
      organizationLimitRoutes({ db, adminKey: config.adminKey, defaults: config.orgLimits }),
      adminRoutes({ db, adminKey: config.adminKey, secretBox, urlPolicy, temporal }),
    ],
    trpc: {
      router: createAppRouter({
        db,
        apiKeys,
        secretBox,
        emails: { db, temporal, temporalUi: config.temporal.uiUrl ? { url: config.temporal.uiUrl, namespace: config.temporal.namespace } : undefined },
        inbound: { db, temporal, workflows, routeMaxAttempts, addressChecks: config.domains.checks },
        webhooks: { db, workflows, secretBox, urlPolicy, rotationOverlapMs: config.webhooks.rotationOverlapMs },
        domains,
        helpdesk: { db, workflows, logger },
      }),
      createContext: (options) => createTrpcContext({ apiKeys, sessions }, options),
      csrfGuard: requireCsrfHeader,
      authenticatesBody: async (req) => (req.get('authorization') ? hasApiKey(req) : (await sessions.current(req)) !== undefined),
    },
    webApp,
  });

  const server = await new Promise<Server>((listening, fail) => {
    const s = app.listen(config.http.port, config.http.host, () => listening(s));
    s.once('error', fail);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeIdleConnections();
      }),
  };
}
