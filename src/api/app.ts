import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import { createExpressMiddleware, type CreateExpressContextOptions } from '@trpc/server/adapters/express';
import type { AnyTRPCRouter } from '@trpc/server';
import type { TrpcContext } from '../auth/trpc.js';
import { errorHandler, notFoundHandler } from '../http/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

/** What the app is assembled from; server.ts builds each capability's part. */
export interface AppParts {
  logger: Logger;
  metrics: Metrics;
  /** Runs before everything else (the partner token fence audits every request carrying a token). */
  guards: RequestHandler[];
  /** Provider webhooks: they read their raw body themselves (signatures cover the exact bytes). */
  providerWebhooks: Router[];
  /** JSON API routes, after the JSON body parser. */
  routes: Router[];
  /** csrfGuard runs first: tRPC would answer some forged bodies 415 instead of 403. */
  trpc: { router: AnyTRPCRouter; createContext: (options: CreateExpressContextOptions) => Promise<TrpcContext>; csrfGuard: RequestHandler };
  /** The dashboard's files and its client-route fallback, after every API route; absent when it is not built. */
  webApp: Router | undefined;
}

// 10 MB of attachments is about 13.4 MB of base64, plus the bodies.
const JSON_BODY_LIMIT = '20mb';

export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(
    pinoHttp({
      logger: parts.logger,
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
    const stop = parts.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw path, keeps label cardinality bounded.
      const route = req.route ? String(req.route.path) : 'unmatched';
      parts.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      stop({ method: req.method, route });
    });
    next();
  });
  for (const guard of parts.guards) app.use(guard);
  for (const router of parts.providerWebhooks) app.use(router);

  app.use(express.json({ limit: JSON_BODY_LIMIT }));
  for (const router of parts.routes) app.use(router);
  app.use('/api/trpc', parts.trpc.csrfGuard, createExpressMiddleware({ router: parts.trpc.router, createContext: parts.trpc.createContext }));
  if (parts.webApp) app.use(parts.webApp);

  app.use(notFoundHandler);
  app.use(errorHandler(parts.logger));
  return app;
}
