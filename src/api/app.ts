import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type RequestHandler, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import { createExpressMiddleware, type CreateExpressContextOptions } from '@trpc/server/adapters/express';
import type { AnyTRPCRouter } from '@trpc/server';
import type { TrpcContext } from '../auth/trpc.js';
import { hasBody, type BodyBudget } from '../http/body-budget.js';
import { ApiError, errorHandler, notFoundHandler } from '../http/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { redactQuery, redactUrl } from '../observability/redact.js';

/** What the app is assembled from; server.ts builds each capability's part. */
export interface AppParts {
  logger: Logger;
  metrics: Metrics;
  /** Runs before everything else (the partner token fence audits every request carrying a token). */
  guards: RequestHandler[];
  /** The request bodies read at once; the provider webhooks charge theirs to it too. */
  bodies: BodyBudget;
  /** Provider webhooks: they read their raw body themselves (signatures cover the exact bytes). */
  providerWebhooks: Router[];
  /** JSON API routes; bodies under /api/v1 and /api/admin are parsed only for authenticated callers. */
  routes: Router[];
  /** Whether a request carries a credential some JSON route accepts (an API key, the admin key): checked before its body is read. */
  authenticatesBody: (req: Request) => Promise<boolean>;
  /** csrfGuard runs first: tRPC would answer some forged bodies 415 instead of 403. */
  trpc: {
    router: AnyTRPCRouter;
    createContext: (options: CreateExpressContextOptions) => Promise<TrpcContext>;
    csrfGuard: RequestHandler;
    /** An API key or a live session: checked before a body is read. */
    authenticatesBody: (req: Request) => Promise<boolean>;
  };
  /** The dashboard's files and its client-route fallback, after every API route; absent when it is not built. */
  webApp: Router | undefined;
}

// A send may carry 10 MB of attachments: about 13.4 MB of base64, plus the bodies.
const SEND_BODY_LIMIT = 20 * 1024 * 1024;
const JSON_BODY_LIMIT = 1024 * 1024;
/** The routes whose bodies may be large; every other JSON body stops at JSON_BODY_LIMIT. */
const SEND_ROUTES = new Set(['POST /api/v1/emails', 'POST /api/v1/emails/batch']);
/** Where JSON bodies are parsed (tRPC reads its own, within TRPC_BODY_LIMIT; provider webhooks theirs). */
const JSON_PREFIXES = ['/api/v1', '/api/admin'];
const TRPC_PREFIX = '/api/trpc';
const TRPC_BODY_LIMIT = 1024 * 1024;

/** What Express's router keeps of a route; not in its public types. */
interface RouteLayer {
  slash?: boolean;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
  match(path: string): boolean;
}

function routeLayers(stack: RouteLayer[]): RouteLayer[] {
  return stack.flatMap((layer) => (layer.route ? [layer] : layer.slash && layer.handle?.stack ? routeLayers(layer.handle.stack) : []));
}

/**
 * The methods Relay serves on a path. A literal route wins over a parameter, as it does
 * when a request is routed: /api/v1/emails/batch is not GET /api/v1/emails/{id}.
 */
function allowedMethods(routers: Router[]): (path: string) => Set<string> {
  const layers = routeLayers(routers.flatMap((router) => (router as unknown as { stack: RouteLayer[] }).stack));
  return (path) => {
    const matching = layers.filter((layer) => layer.match(path));
    const literal = matching.filter((layer) => !layer.route!.path.includes(':'));
    const allowed = new Set<string>();
    for (const layer of literal.length > 0 ? literal : matching) for (const method of Object.keys(layer.route!.methods)) allowed.add(method.toUpperCase());
    if (allowed.has('GET')) allowed.add('HEAD');
    return allowed;
  };
}

/** OPTIONS on a path Relay serves: 204 with the methods it serves there (Express's own would count parameter routes too). */
function optionsAnswer(routers: Router[]): RequestHandler {
  const allowedOn = allowedMethods(routers);
  return (req, res, next) => {
    if (req.method !== 'OPTIONS') return next();
    const allowed = allowedOn(req.path);
    if (allowed.size === 0) return next();
    res
      .set('allow', [...allowed].sort().join(', '))
      .status(204)
      .end();
  };
}

/**
 * A path Relay serves, asked with a method it does not serve there: 405 with the methods
 * it does serve (RFC 9110 §15.5.6), rather than a 404 that says the path does not exist.
 */
function methodNotAllowed(routers: Router[]): RequestHandler {
  const allowedOn = allowedMethods(routers);
  return (req, res, next) => {
    const allowed = allowedOn(req.path);
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    const list = [...allowed].sort().join(', ');
    res.set('allow', list);
    next(new ApiError('method_not_allowed', `${req.method} is not served on ${req.path}; ${list} are`));
  };
}

/**
 * tRPC serves a query on GET and a mutation on POST: any other method on a procedure is a
 * 405 naming the one it serves (tRPC itself answers TRACE with a 500, and a POST to a
 * query with a 415).
 */
function trpcMethodNotAllowed(router: AnyTRPCRouter): RequestHandler {
  const procedures = router._def.procedures as Record<string, { _def: { type: string } } | undefined>;
  return (req, res, next) => {
    const procedure = procedures[req.path.slice(1)];
    if (!procedure) return next();
    const allowed = procedure._def.type === 'mutation' ? ['POST'] : ['GET', 'HEAD'];
    if (allowed.includes(req.method)) return next();
    const list = allowed.join(', ');
    res.set('allow', list);
    next(new ApiError('method_not_allowed', `${req.method} is not served on ${req.baseUrl}${req.path}; only ${list}`));
  };
}

/** A mutation is JSON: without that Content-Type, a 415 in JSON (tRPC's own says so in text/plain). */
const trpcJsonOnly: RequestHandler = (req, _res, next) => {
  if (req.method !== 'POST' || req.is('application/json')) return next();
  next(new ApiError('unsupported_media_type', 'a tRPC mutation is a JSON body (Content-Type: application/json)'));
};

/**
 * Reads a JSON body only after the caller has shown a credential a route accepts (the
 * route still checks its own scope), up to the route's limit: nobody makes Relay parse
 * 20 MB before knowing who is asking.
 */
function authenticatedJsonBody(authenticates: (req: Request) => Promise<boolean>, bodies: BodyBudget): RequestHandler {
  const send = { reserve: bodies.reserve(SEND_BODY_LIMIT), parse: express.json({ limit: SEND_BODY_LIMIT }) };
  const other = { reserve: bodies.reserve(JSON_BODY_LIMIT), parse: express.json({ limit: JSON_BODY_LIMIT }) };
  return (req, res, next) => {
    if (!hasBody(req)) return next();
    authenticates(req).then((known) => {
      if (!known) return next(new ApiError('unauthorized', 'missing or invalid credentials'));
      const route = `${req.method} ${req.baseUrl}${req.path}`.replace(/\/$/, '');
      const { reserve, parse } = SEND_ROUTES.has(route) ? send : other;
      reserve(req, res, (error?: unknown) => (error ? next(error) : parse(req, res, next)));
    }, next);
  };
}

/** tRPC mutations with a body: only from a caller with an API key or a session (tRPC then reads at most TRPC_BODY_LIMIT). */
function authenticatedTrpcBody(authenticates: (req: Request) => Promise<boolean>, bodies: BodyBudget): RequestHandler {
  const reserve = bodies.reserve(TRPC_BODY_LIMIT);
  return (req, res, next) => {
    if (!hasBody(req)) return next();
    authenticates(req).then(
      (known) => (known ? reserve(req, res, next) : next(new ApiError('unauthorized', 'missing or invalid API key, or no live session'))),
      next,
    );
  };
}

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
      // Credentials never reach the log: not in headers, not in the query string.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-integration-key"]'], censor: '[redacted]' },
      serializers: {
        req: (req: { url?: string; query?: unknown }) =>
          Object.assign(req, { url: req.url && redactUrl(req.url), ...(req.query ? { query: redactQuery(req.query) } : {}) }),
      },
      // Probes and scrapes would drown the log.
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes((req.url ?? '').split('?')[0]!) },
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
  // Before the routers: GET /api/v1/emails/batch is a 405, not GET /api/v1/emails/{id} with id "batch".
  app.use(optionsAnswer([...parts.providerWebhooks, ...parts.routes]));
  app.use(methodNotAllowed([...parts.providerWebhooks, ...parts.routes]));
  for (const router of parts.providerWebhooks) app.use(router);

  app.use(JSON_PREFIXES, authenticatedJsonBody(parts.authenticatesBody, parts.bodies));
  for (const router of parts.routes) app.use(router);
  app.use(
    TRPC_PREFIX,
    trpcMethodNotAllowed(parts.trpc.router),
    parts.trpc.csrfGuard,
    authenticatedTrpcBody(parts.trpc.authenticatesBody, parts.bodies),
    trpcJsonOnly,
    createExpressMiddleware({ router: parts.trpc.router, createContext: parts.trpc.createContext, maxBodySize: TRPC_BODY_LIMIT }),
  );
  if (parts.webApp) app.use(parts.webApp);

  app.use(notFoundHandler);
  app.use(errorHandler(parts.logger));
  return app;
}
