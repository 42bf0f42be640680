import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../observability/metrics.js';

export interface WorkerHttp {
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's own small listener, for orchestrators and Prometheus: `/healthz` answers
 * 200 while every worker polls (503 once one has stopped), `/metrics` the process's metrics.
 */
export async function startWorkerHttp(options: { host: string; port: number; metrics: Metrics; isRunning: () => boolean }): Promise<WorkerHttp> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const running = options.isRunning();
      res.writeHead(running ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: running ? 'ok' : 'stopped' }));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      options.metrics.registry.metrics().then(
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
