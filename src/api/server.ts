import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/database.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { registerSearchAttributes } from '../temporal/search-attributes.js';
import { createWorkflowStarter } from '../temporal/workflow-starter.js';
import { createHttpClient, ensureSuccess } from '../integrations/http.js';
import { createSnsVerifier, type CertificateFetcher } from '../security/sns.js';
import { createApp } from './app.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0 picks a free port) and answers until closed. */
export async function startApiServer(deps: {
  db: Db;
  temporal: Client;
  namespace: string;
  taskQueue: string;
  logger: Logger;
  metrics: Metrics;
  host: string;
  port: number;
  snsTopicArns: readonly string[];
  adminKey: string | undefined;
  /** Where SNS signing certificates come from; tests serve their own (the URL check still applies). */
  fetchSnsCertificate?: CertificateFetcher;
}): Promise<ApiServer> {
  // Workflow starts carry search attributes; the API may come up before any worker has registered them.
  await registerSearchAttributes(deps.temporal, deps.namespace);
  const workflows = createWorkflowStarter(deps.temporal, { taskQueue: deps.taskQueue, metrics: deps.metrics });
  const http = createHttpClient({ timeoutMs: 5000 });
  const sns = createSnsVerifier({
    allowedTopicArns: deps.snsTopicArns,
    fetchCertificate:
      deps.fetchSnsCertificate ?? (async (url) => ensureSuccess(await http.request({ method: 'GET', url }), 'SNS certificate host').body),
  });
  const app = createApp({ ...deps, workflows, sns });
  const server = await new Promise<Server>((listening, fail) => {
    const s = app.listen(deps.port, deps.host, () => listening(s));
    s.once('error', fail);
  });
  const { port } = server.address() as AddressInfo;
  const host = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeIdleConnections();
      }),
  };
}
