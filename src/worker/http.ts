import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../observability/metrics.js';
import { constantTimeEqual, sha256 } from '../security/secrets.js';

export interface WorkerHttp {
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's own small listener, for orchestrators and Prometheus: `/healthz` answers
 * 200 while every worker polls (503 once one has stopped), `/metrics` the process's metrics
 * (Relay's own and the Temporal SDK's), with `Authorization: Bearer <METRICS_TOKEN>` when a
 * token is set (a separate port, not the public API's, otherwise).
 */
export async function startWorkerHttp(options: {
  host: string;
  port: number;
  metrics: Metrics;
  /** The SDK's exporter on loopback: its text is served after Relay's. */
  temporalMetricsUrl?: string | undefined;
  metricsToken?: string | undefined;
  isRunning: () => boolean;
}): Promise<WorkerHttp> {
  const expected = options.metricsToken ? sha256(options.metricsToken) : undefined;
  const authorized = (header: string | undefined) => {
    if (!expected) return true;
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    return Boolean(match?.[1] && constantTimeEqual(sha256(match[1]), expected));
  };

  /** Relay's metrics, then the SDK's (workflow and activity tasks, slots, polls); Relay's alone when the SDK's exporter does not answer. */
  async function scrape(): Promise<string> {
    const [relay, temporal] = await Promise.all([
      options.metrics.registry.metrics(),
      options.temporalMetricsUrl
        ? fetch(options.temporalMetricsUrl, { signal: AbortSignal.timeout(2000) }).then(
            (response) => (response.ok ? response.text() : ''),
            () => '',
          )
        : '',
    ]);
    return temporal ? `${relay}\n${temporal}` : relay;
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const running = options.isRunning();
      res.writeHead(running ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: running ? 'ok' : 'stopped' }));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      if (!authorized(req.headers.authorization)) {
        res
          .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="relay"' })
          .end(JSON.stringify({ error: { code: 'unauthorized', message: 'missing or invalid metrics token' } }));
        return;
      }
      scrape().then(
        (text) => res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'not_found', message: `no route for ${req.method} ${path}` } }));
  });
  await new Promise<void>((listening, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => listening());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () => new Promise((closed) => server.close(() => closed())),
  };
}
