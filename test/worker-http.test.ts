import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../src/observability/metrics.js';
import { startWorkerHttp, type WorkerHttp } from '../src/worker/http.js';

let server: WorkerHttp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the worker's HTTP listener (WORKER_HTTP_PORT)", () => {
  it('answers /healthz 200 while the workers run and 503 once one stopped, and serves /metrics', async () => {
    let running = true;
    const metrics = createMetrics();
    metrics.sesSends.inc({ outcome: 'sent' });
    server = await startWorkerHttp({ host: '127.0.0.1', port: 0, metrics, isRunning: () => running });

    const healthy = await fetch(`${server.url}/healthz`);
    expect([healthy.status, await healthy.json()]).toEqual([200, { status: 'ok' }]);
    const scraped = await fetch(`${server.url}/metrics`);
    expect(await scraped.text()).toContain('relay_ses_sends_total{outcome="sent"} 1');

    running = false;
    const stopped = await fetch(`${server.url}/healthz`);
    expect([stopped.status, await stopped.json()]).toEqual([503, { status: 'stopped' }]);
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
  });
});
