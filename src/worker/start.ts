import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities.js';
import { createBooksClient } from '../integrations/books.js';
import { createBusClient } from '../integrations/bus.js';
import { createHttpClient } from '../integrations/http.js';
import { createMetaMessagingClient } from '../integrations/meta.js';
import { createSlackClient } from '../integrations/slack.js';
import { createTwilioSmsClient } from '../integrations/twilio.js';
import { createProductsClient } from '../integrations/products.js';
import { createSecretBox } from '../security/encryption.js';
import { createWorkflowStarter } from '../temporal/workflow-starter.js';
import { ensureDailyUsageSchedule, ensureRetentionSchedule, ensureSweepSchedule } from './schedules.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { createDnsResolver } from '../integrations/dns.js';
import { createShopifyClient } from '../integrations/shopify.js';
import { createSesClient, createSesSender } from '../integrations/ses.js';
import { createSesIdentities } from '../integrations/ses-identities.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { registerSearchAttributes } from '../temporal/register-search-attributes.js';
import { sesTaskQueueFor } from '../temporal/ids.js';
import { startWorkerHttp } from './http.js';
import { createRelayWorkers, runWorkers } from './worker.js';

export interface RunningWorker {
  /** Settles when the workers have stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/** Builds the real dependencies, registers search attributes and runs the workers. */
export async function startWorker(deps: {
  config: Config;
  db: Db;
  client: Client;
  connection: NativeConnection;
  logger: Logger;
  metrics: Metrics;
  workflowBundlePath?: string;
  /** The SDK's own Prometheus exporter (installWorkerRuntime), served by /metrics beside Relay's metrics. */
  temporalMetricsUrl?: string;
  /** Replaces real dependencies (tests: an HTTP client that never leaves loopback). */
  overrides?: Partial<ActivityDeps>;
}): Promise<RunningWorker> {
  const { config, logger } = deps;
  await registerSearchAttributes(deps.client, config.temporal.namespace);
  const http = deps.overrides?.http ?? createHttpClient();
  const activities = createActivities({
    db: deps.db,
    ses: createSesSender(createSesClient(config.ses), { configurationSet: config.ses.configurationSet }),
    sesIdentities: createSesIdentities(createSesClient({ ...config.ses, endpoint: config.ses.identityEndpoint })),
    dns: createDnsResolver(),
    http,
    bus: config.bus ? createBusClient(http, config.bus) : undefined,
    books: config.booksUrl ? createBooksClient(http, { url: config.booksUrl, integrationKey: config.integrationKey }) : undefined,
    bounceAlert: config.bounceAlert,
    products: createProductsClient(http, { ...config.inbound, integrationKey: config.integrationKey }),
    inboundDomain: config.inbound.domain,
    shopify: config.commerce.shopifyApp ? createShopifyClient(http, config.commerce.shopifyApp) : undefined,
    publicUrl: config.publicUrl,
    addressConfirmation: { publicUrl: config.publicUrl, from: config.inbound.systemFrom },
    webhookHttp: deps.overrides?.webhookHttp ?? createHttpClient({ guard: { allowInsecure: config.webhooks.allowInsecure }, maxResponseBytes: 16 * 1024 }),
    secretBox: createSecretBox(config.encryptionKey, config.previousEncryptionKeys),
    webhookRetryScheduleMs: config.webhooks.retryScheduleMs,
    strandedAfterMs: config.strandedAfterMs,
    routeMaxAttempts: config.inbound.routeMaxAttempts,
    partnerRetry: { attempts: config.partners.deliveryAttempts, firstRetryMs: config.partners.firstRetryMs },
    dialpad: config.dialpad,
    replySenders: {
      twilio: createTwilioSmsClient(http, { baseUrl: config.replyProviders.twilioUrl }),
      meta: createMetaMessagingClient(http, { baseUrl: config.replyProviders.metaGraphUrl }),
      slack: createSlackClient(http, { baseUrl: config.replyProviders.slackUrl }),
    },
    retentionDays: config.orgLimits.retentionDays,
    sesPacing: { queue: sesTaskQueueFor(config.temporal.taskQueue), maxSendRate: config.ses.maxSendRate },
    sendBudgetBytes: config.worker.sendBudgetBytes,
    logger,
    metrics: deps.metrics,
    workflows: createWorkflowStarter(deps.client, { taskQueue: config.temporal.taskQueue, metrics: deps.metrics }),
    ...deps.overrides,
  });
  await ensureSweepSchedule(deps.client, config.temporal.taskQueue);
  await ensureRetentionSchedule(deps.client, config.temporal.taskQueue);
  if (config.booksUrl) await ensureDailyUsageSchedule(deps.client, config.temporal.taskQueue, { deliverWithinMs: config.billingReportDeadlineMs });
  const workers: Worker[] = await createRelayWorkers({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities,
    sesMaxSendRate: config.ses.maxSendRate,
    deliveryConcurrency: config.deliveries.concurrency,
    workflowBundlePath: deps.workflowBundlePath,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
  });
  const done = runWorkers(workers);
  const healthServer =
    config.worker.httpPort === undefined
      ? undefined
      : await startWorkerHttp({
          host: config.http.host,
          port: config.worker.httpPort,
          metrics: deps.metrics,
          temporalMetricsUrl: deps.temporalMetricsUrl,
          metricsToken: config.metricsToken,
          isRunning: () => workers.every((worker) => worker.getState() === 'RUNNING'),
        });
  logger.info(
    { taskQueue: config.temporal.taskQueue, sesMaxSendRate: config.ses.maxSendRate, healthUrl: healthServer && `${healthServer.url}/healthz` },
    'worker running',
  );
  return {
    done,
    async shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
      await healthServer?.close();
    },
  };
}
