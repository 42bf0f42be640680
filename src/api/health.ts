import { Router, type RequestHandler } from 'express';
import { sql } from 'kysely';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/database.js';
import { ApiError } from '../http/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { constantTimeEqual, sha256 } from '../security/secrets.js';

/**
 * `/metrics` on the public listener answers only `Authorization: Bearer <METRICS_TOKEN>`;
 * without a token configured it is not served there at all (404): route names, counts
 * and timings tell an outsider what runs and how busy it is.
 */
export function requireMetricsToken(token: string | undefined): RequestHandler {
  const expected = token ? sha256(token) : undefined;
  return (req, _res, next) => {
    if (!expected) throw new ApiError('not_found', `no route for ${req.method} ${req.path}`);
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match?.[1] || !constantTimeEqual(sha256(match[1]), expected)) throw new ApiError('unauthorized', 'missing or invalid metrics token');
    next();
  };
}

export function healthRoutes(deps: { db: Db; temporal: Client; metrics: Metrics; metricsToken: string | undefined; logger?: Logger }): Router {
  const router = Router();

  // Process is up and serving; says nothing about its dependencies.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Ready to take traffic: PostgreSQL answers and Temporal answers. Which one is down is
  // public; why (addresses, users, driver messages) goes to the log only.
  router.get('/readyz', async (_req, res) => {
    const [database, temporal] = await Promise.all([
      check('database', () => sql`select 1`.execute(deps.db), deps.logger),
      check('temporal', () => deps.temporal.workflowService.getSystemInfo({}), deps.logger),
    ]);
    const ready = database === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks: { database, temporal } });
  });

  router.get('/metrics', requireMetricsToken(deps.metricsToken), async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  return router;
}

async function check(dependency: string, probe: () => Promise<unknown>, logger: Logger | undefined): Promise<'ok' | 'unavailable'> {
  try {
    await withTimeout(probe(), 2000);
    return 'ok';
  } catch (error) {
    logger?.warn({ err: error, dependency }, 'readiness check failed');
    return 'unavailable';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
