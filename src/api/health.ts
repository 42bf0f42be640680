import { Router } from 'express';
import { sql } from 'kysely';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/database.js';
import type { Metrics } from '../observability/metrics.js';

export function healthRoutes(deps: { db: Db; temporal: Client; metrics: Metrics }): Router {
  const router = Router();

  // Process is up and serving; says nothing about its dependencies.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Ready to take traffic: PostgreSQL answers and Temporal answers.
  router.get('/readyz', async (_req, res) => {
    const [database, temporal] = await Promise.all([check(() => sql`select 1`.execute(deps.db)), check(() => deps.temporal.workflowService.getSystemInfo({}))]);
    const ready = database === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks: { database, temporal } });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  return router;
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(probe(), 2000);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
