import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { cachedApiKeyLookup } from '../auth/api-keys.js';
import { errorHandler, notFoundHandler } from '../http/errors.js';
import { buildOpenApiDocument } from './openapi.js';
import type { SnsVerifier } from '../security/sns.js';
import type { InboundSecrets } from '../inbound/receive.js';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import type { SecretBox } from '../security/encryption.js';
import type { UrlPolicy } from '../security/ssrf.js';
import type { HubClient } from '../integrations/hub.js';
import { adminRoutes } from '../partners/admin-routes.js';
import { channelWebhookRoutes } from '../channels/webhook-routes.js';
import { channelRoutes } from '../channels/routes.js';
import { commerceWebhookRoutes, type CommerceWebhookDeps } from '../commerce/webhook-routes.js';
import { commerceRoutes } from '../commerce/routes.js';
import { debriefRoutes } from '../partners/debrief-routes.js';
import { oauthRoutes, partnerTokenFence } from '../partners/oauth-routes.js';
import { createSessions } from '../auth/sessions.js';
import { helpdeskRoutes } from '../helpdesk/routes.js';
import { appRouter, createTrpcContext } from '../webhooks/router.js';
import { inboundRoutes } from '../inbound/routes.js';
import { inboundWebhookRoutes } from '../inbound/webhook-routes.js';
import { emailRoutes } from '../emails/routes.js';
import { sesWebhookRoutes } from '../emails/ses-webhook-routes.js';
import { suppressionRoutes } from '../emails/suppression-routes.js';
import { healthRoutes } from './health.js';

export interface ApiDeps {
  db: Db;
  sns: SnsVerifier;
  inboundSns: SnsVerifier;
  inboundSecrets: InboundSecrets;
  routeMaxAttempts: number;
  adminKey: string | undefined;
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
  hub: HubClient | undefined;
  publicUrl: string;
  sessionTtlHours: number;
  hubSessionCacheMs: number;
  partnerRetry: { attempts: number; firstRetryMs: number };
  suspendAfterDenials: number;
  dialpad: { voicemailWaitMs: number; afterHangupWaitMs: number };
  amazonSns: SnsVerifier;
  commerce: CommerceWebhookDeps['commerce'];
  temporal: Client;
  workflows: WorkflowStarter;
  logger: Logger;
  metrics: Metrics;
}

// 10 MB of attachments is about 13.4 MB of base64, plus the bodies.
const JSON_BODY_LIMIT = '20mb';

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Credentials never reach the log.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-integration-key"]'], censor: '[redacted]' },
      // Probes and scrapes would drown the log.
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
    }),
  );
  app.use((req, res, next) => {
    const stop = deps.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw path, keeps label cardinality bounded.
      const route = req.route ? String(req.route.path) : 'unmatched';
      deps.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      stop({ method: req.method, route });
    });
    next();
  });
  const apiKeys = cachedApiKeyLookup(deps.db);
  const sessions = createSessions(deps);
  const oauth = { ...deps, sessions };
  // A partner token is audited wherever it is presented, and refused outside its two routes.
  app.use(partnerTokenFence(oauth));
  // Provider webhooks read their raw body themselves (signatures cover the exact bytes).
  app.use(sesWebhookRoutes(deps));
  app.use(inboundWebhookRoutes({ ...deps, secrets: deps.inboundSecrets }));
  app.use(channelWebhookRoutes(deps));
  app.use(commerceWebhookRoutes(deps));

  app.use(express.json({ limit: JSON_BODY_LIMIT }));

  const openApi = buildOpenApiDocument();
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(healthRoutes(deps));
  app.use(emailRoutes({ ...deps, apiKeys }));
  app.use(suppressionRoutes({ ...deps, apiKeys }));
  app.use(inboundRoutes({ ...deps, apiKeys }));
  app.use(helpdeskRoutes({ ...deps, apiKeys }));
  app.use(channelRoutes({ ...deps, apiKeys }));
  app.use(commerceRoutes({ ...deps, apiKeys }));
  app.use(sessions.router);
  app.use(oauthRoutes(oauth));
  app.use(debriefRoutes({ ...deps, apiKeys, retry: deps.partnerRetry }));
  app.use(
    '/api/trpc',
    createExpressMiddleware({ router: appRouter, createContext: (options) => createTrpcContext({ ...deps, apiKeys, sessions }, options) }),
  );
  app.use(adminRoutes(deps));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
