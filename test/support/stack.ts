import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection } from '@temporalio/worker';
import type { ActivityDeps } from '../../src/worker/activities.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import type { CertificateFetcher } from '../../src/security/sns.js';
import { freePort } from './free-port.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/database.js';
import { createApiKey } from '../../src/auth/repository.js';
import { createOrganization } from '../../src/auth/repository.js';
import type { ApiKeyScope } from '../../src/db/tables/api-keys.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { connectClient, connectWorker } from '../../src/temporal/connection.js';
import { startWorker, type RunningWorker } from '../../src/worker/start.js';
import { insertVerifiedDomain } from '../../src/domains/repository.js';
import { FakeDns } from '../fakes/fake-dns.js';

export interface StackOptions {
  /** Start the workers with the stack (default true). */
  worker?: boolean;
  /** Extra environment for the config, e.g. SES_ENDPOINT of a fake SES. */
  env?: Record<string, string>;
  /** Serves SNS signing certificates (the API still checks the certificate URL). */
  fetchSnsCertificate?: CertificateFetcher;
  /** Where the logs go (tests that read them); silent otherwise. */
  logLines?: string[];
  /** Replaces activity dependencies, e.g. an HTTP client that answers for AWS hosts. */
  workerOverrides?: Partial<ActivityDeps>;
  /** The dashboard files the API serves (default: this checkout's build, if any). */
  webAppDir?: string;
}

export interface Stack {
  config: Config;
  db: Db;
  client: Client;
  api: ApiServer;
  metrics: Metrics;
  taskQueue: string;
  sesUrl: string;
  /** The DNS the workers see: nothing is published until a test publishes it (no lookup leaves the machine). */
  dns: FakeDns;
  /** Env for running the `relay` CLI against this stack. */
  cliEnv: Record<string, string>;
  startWorker(): Promise<RunningWorker>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

// Tests fail workflows on purpose; the SDK logs only errors. One Runtime per test process.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const unique = () => randomBytes(6).toString('hex');

/** A fresh, migrated database (a copy of the template) and its URL. */
export async function createDatabase(name = `test_${unique()}`): Promise<string> {
  const urlFor = (database: string) => inject('postgresUrlTemplate').replace('{database}', database);
  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template "${inject('templateDatabase')}"`);
  } finally {
    await admin.end();
  }
  return urlFor(name);
}

/**
 * The real API (port 0) and the real workers, on a freshly migrated database of its
 * own and a task queue of its own, against the shared Temporal server and SES emulator.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const taskQueue = `test-${unique()}`;
  const databaseUrl = await createDatabase();
  const sesUrl = inject('sesUrl');
  // A known port, so PUBLIC_URL is the address requests really reach (Twilio signs it).
  const port = await freePort();
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    SES_ENDPOINT: sesUrl,
    SES_CONFIGURATION_SET: 'relay-test',
    SES_MAX_SEND_RATE: '50',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...options.env,
  };
  const config = loadConfig(env);
  const lines = options.logLines;
  const logger = lines
    ? createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } })
    : createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const db = createDb(databaseUrl);
  const temporal = { ...config.temporal, address: env.TEMPORAL_ADDRESS };
  const client = await connectClient(temporal);
  const connection: NativeConnection = await connectWorker(temporal);
  const api = await startApiServer({
    config,
    db,
    temporal: client,
    logger,
    metrics,
    fetchSnsCertificate: options.fetchSnsCertificate,
    webAppDir: options.webAppDir,
  });

  let worker: RunningWorker | undefined;
  const dns = new FakeDns();
  const stack: Stack = {
    config,
    db,
    client,
    api,
    metrics,
    taskQueue,
    sesUrl,
    dns,
    cliEnv: env,
    async startWorker() {
      worker = await startWorker({
        config,
        db,
        client,
        connection,
        logger,
        metrics,
        workflowBundlePath: inject('workflowBundlePath'),
        overrides: { dns, ...options.workerOverrides },
      });
      return worker;
    },
    async stopWorker() {
      await worker?.shutdown();
      worker = undefined;
    },
    async stop() {
      await stack.stopWorker();
      await api.close();
      await connection.close();
      await client.connection.close();
      await db.destroy();
    },
  };
  if (options.worker !== false) await stack.startWorker();
  return stack;
}

/**
 * A new organization, a key of it with the given scopes, and a sending domain of its own
 * already verified (`<org>.example.com`, or `options.domain`, which one organization of a
 * test file may claim), so it can send from `sender(...)` at once.
 */
export async function createOrgWithKey(
  db: Db,
  scopes: ApiKeyScope[] = ['send', 'read'],
  options: { domain?: string } = {},
): Promise<{ orgId: string; key: string; domain: string; sender: (local?: string) => string }> {
  const name = `org-${unique()}`;
  const org = await createOrganization(db, name);
  const { key } = await createApiKey(db, { orgId: org.id, scopes });
  const domain = options.domain ?? `${name}.example.com`;
  await insertVerifiedDomain(db, org.id, domain);
  return { orgId: org.id, key, domain, sender: (local = 'notify') => `${local}@${domain}` };
}
