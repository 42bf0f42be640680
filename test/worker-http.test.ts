import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it("serves the Temporal SDK's own metrics after Relay's, and Relay's alone when the SDK's exporter does not answer", async () => {
    const sdk = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('temporal_workflow_completed{workflow_type="sendEmailWorkflow"} 7\n'),
    );
    await new Promise<void>((listening) => sdk.listen(0, '127.0.0.1', () => listening()));
    const metrics = createMetrics();
    metrics.deliveries.inc({ target: 'webhook', outcome: 'succeeded' });
    server = await startWorkerHttp({
      host: '127.0.0.1',
      port: 0,
      metrics,
      temporalMetricsUrl: `http://127.0.0.1:${(sdk.address() as AddressInfo).port}/metrics`,
      isRunning: () => true,
    });
    const both = await (await fetch(`${server.url}/metrics`)).text();
    expect(both).toContain('relay_deliveries_total{target="webhook",outcome="succeeded"} 1');
    expect(both).toContain('temporal_workflow_completed{workflow_type="sendEmailWorkflow"} 7');
    await new Promise((closed) => sdk.close(closed));
    const alone = await fetch(`${server.url}/metrics`);
    expect(alone.status).toBe(200);
    const text = await alone.text();
    expect(text).toContain('relay_deliveries_total');
    expect(text).not.toContain('temporal_workflow_completed');
  });

  it('asks for the METRICS_TOKEN when one is set', async () => {
    server = await startWorkerHttp({ host: '127.0.0.1', port: 0, metrics: createMetrics(), metricsToken: 'scrape-token', isRunning: () => true });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape-token' } })).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
