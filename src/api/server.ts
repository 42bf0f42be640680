import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { createHttpClient, ensureSuccess } from '../integrations/http.js';
import { createHubClient } from '../integrations/hub.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createSecretBox } from '../security/encryption.js';
import { createSnsVerifier, type CertificateFetcher } from '../security/sns.js';
import { registerSearchAttributes } from '../temporal/register-search-attributes.js';
import { createWorkflowStarter } from '../temporal/workflow-starter.js';
import { createApp } from './app.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on the config's host and port (0 picks a free port) and answers until closed. */
export async function startApiServer(deps: {
  config: Config;
  db: Db;
  temporal: Client;
  logger: Logger;
  metrics: Metrics;
  /** Where SNS signing certificates come from; tests serve their own (the URL check still applies). */
  fetchSnsCertificate?: CertificateFetcher;
}): Promise<ApiServer> {
  const { config } = deps;
  // Workflow starts carry search attributes; the API may come up before any worker has registered them.
  await registerSearchAttributes(deps.temporal, config.temporal.namespace);
  const workflows = createWorkflowStarter(deps.temporal, {
    taskQueue: config.temporal.taskQueue,
    metrics: deps.metrics,
    webhookRetryScheduleMs: config.webhooks.retryScheduleMs,
  });
  const http = createHttpClient({ timeoutMs: 5000 });
  const fetchCertificate = deps.fetchSnsCertificate ?? (async (url: string) => ensureSuccess(await http.request({ method: 'GET', url }), 'SNS certificate host').body);
  const app = createApp({
    ...deps,
    workflows,
    adminKey: config.adminKey,
    sns: createSnsVerifier({ allowedTopicArns: config.snsTopicArns, fetchCertificate }),
    inboundSns: createSnsVerifier({ allowedTopicArns: config.inbound.sesTopicArns, fetchCertificate }),
    inboundSecrets: config.inbound,
    routeMaxAttempts: config.inbound.routeMaxAttempts,
    secretBox: createSecretBox(config.encryptionKey),
    urlPolicy: { allowInsecure: config.webhooks.allowInsecure },
    hub: config.hub ? createHubClient(http, config.hub) : undefined,
    publicUrl: config.publicUrl,
    sessionTtlHours: config.sessionTtlHours,
    hubSessionCacheMs: config.hub?.sessionCacheMs ?? 0,
    partnerRetry: { attempts: config.partners.deliveryAttempts, firstRetryMs: config.partners.firstRetryMs },
    suspendAfterDenials: config.partners.suspendAfterDenials,
    dialpad: config.dialpad,
    amazonSns: createSnsVerifier({ allowedTopicArns: config.commerce.amazonTopicArns, fetchCertificate }),
    commerce: config.commerce,
  });
  const server = await new Promise<Server>((listening, fail) => {
    const s = app.listen(config.http.port, config.http.host, () => listening(s));
    s.once('error', fail);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeIdleConnections();
      }),
  };
}
