import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Runtime } from '@temporalio/worker';
import { startApiServer, type ApiServer } from '../api/server.js';
import { WEB_APP_DIR } from '../api/web-app.js';
import { createOrganization, findOrganization } from '../auth/repository.js';
import { describeDegradedModes, type Config } from '../config.js';
import { createDb } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { startDevHub, type DevHub } from '../dev/dev-hub.js';
import { startEmbeddedPostgres } from '../dev/embedded-postgres.js';
import { startSesEmulator } from '../dev/ses-emulator.js';
import { startSesIdentityStandIn } from '../dev/ses-identity-stand-in.js';
import { ensureTemporalCli, startTemporalDevServer, type ToolEnv } from '../dev/temporal-server.js';
import { ensureWebBuild } from '../dev/web-build.js';
import type { DnsResolver } from '../integrations/dns.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { generateEncryptionKey } from '../security/encryption.js';
import { connectClient, connectWorker } from '../temporal/connection.js';
import { startWorker } from '../worker/start.js';
import { DEV, DEV_ENCRYPTION_KEY_FILE, readDevEncryptionKey, removeDevSettings, writeDevSettings } from './runtime.js';

/** The development Hub's organization, which `relay dev` creates in Relay with the same id. */
export const DEMO_ORGANIZATION = { id: '5f0c2d1e-7a3b-4c8d-9e6f-0a1b2c3d4e5f', name: 'demo' } as const;

/** A key kept in .relay/ so webhook secrets sealed in one `relay dev` open in the next. */
async function devEncryptionKey(): Promise<string> {
  const existing = readDevEncryptionKey();
  if (existing) return existing;
  const key = generateEncryptionKey();
  await writeFile(DEV_ENCRYPTION_KEY_FILE, `${key}\n`, { mode: 0o600 });
  return key;
}

export interface DevStackOptions {
  projectDir: string;
  /** PATH (and RELAY_TOOLS_CACHE): where the Temporal CLI is looked for. */
  toolEnv: ToolEnv;
  /** Where PostgreSQL's and Temporal's data live. */
  stateDir: string;
  /** `sesIdentity`: the SES identity stand-in's (any free port when absent). */
  ports: { postgres: number; temporal: number; temporalUi?: number; ses: number; sesIdentity?: number; hub: number };
  say: (line: string) => void;
  /** Build the dashboard when stale (default true); the fuzz run needs only the API. */
  buildWebApp?: boolean;
  /** Where the worker looks up DMARC records (default: the system's DNS); the browser tests answer from memory so nothing leaves loopback. */
  dns?: DnsResolver;
}

export interface DevStack {
  config: Config;
  api: ApiServer;
  /** Undefined when HUB_API_URL and PORTAL_SSO_SECRET point at a real Hub. */
  hub: DevHub | undefined;
  databaseUrl: string;
  temporalUi: string;
  sesViewer: string;
  /** Settles if the worker stops on its own. */
  workerDone: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole product on one machine with no external service: embedded PostgreSQL, the
 * Temporal dev server, the SES emulator and the development Hub start unless the
 * environment points elsewhere; then the dashboard is built if stale, and the worker and
 * the API start. What started is stopped again if a later step fails.
 */
export async function startDevStack(baseConfig: Config, logger: Logger, options: DevStackOptions): Promise<DevStack> {
  const { say } = options;
  await mkdir(options.stateDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const step of stops.splice(0)) await step().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
  };

  // Relay stops the workers itself, in order.
  Runtime.install({ shutdownSignals: [] });

  try {
    let databaseUrl = baseConfig.databaseUrl;
    if (!databaseUrl) {
      const postgres = await startEmbeddedPostgres({ dir: resolve(options.stateDir, 'postgres'), port: options.ports.postgres });
      stops.unshift(() => postgres.stop());
      await postgres.ensureDatabase(DEV.database);
      databaseUrl = postgres.urlFor(DEV.database);
    }

    let temporalAddress = baseConfig.temporal.address;
    let temporalUi = baseConfig.temporal.uiUrl ?? 'the Temporal UI of your cluster';
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      const binary = await ensureTemporalCli(options.projectDir, options.toolEnv, say);
      const temporal = await startTemporalDevServer({
        binary,
        port: options.ports.temporal,
        uiPort: options.ports.temporalUi,
        dbFile: resolve(options.stateDir, 'temporal.sqlite'),
      });
      stops.unshift(() => temporal.stop());
      temporalAddress = temporal.address;
      temporalUiUrl = temporal.uiUrl;
      temporalUi = temporal.uiUrl ?? temporalUi;
    }

    let sesEndpoint = baseConfig.ses.endpoint;
    let sesIdentityEndpoint = baseConfig.ses.identityEndpoint;
    let sesViewer = 'real AWS SES (no local viewer)';
    if (!sesEndpoint && !baseConfig.ses.credentials) {
      const ses = await startSesEmulator({ port: options.ports.ses });
      stops.unshift(() => ses.stop());
      sesEndpoint = ses.url;
      sesViewer = ses.url;
      // The emulator has no identity API: sending domains verify through this stand-in at once.
      const identities = await startSesIdentityStandIn({ port: options.ports.sesIdentity ?? 0 });
      stops.unshift(() => identities.stop());
      sesIdentityEndpoint = identities.url;
    } else if (sesEndpoint) {
      sesViewer = sesEndpoint;
    }

    // Without a real Hub configured, the development Hub signs people in (dashboard, OAuth consent).
    let hub: DevHub | undefined;
    if (!baseConfig.hub) {
      hub = await startDevHub({ port: options.ports.hub, relayUrl: baseConfig.publicUrl, organizations: [DEMO_ORGANIZATION] });
      stops.unshift(() => hub!.stop());
    }

    const config: Config = {
      ...baseConfig,
      encryptionKey: baseConfig.encryptionKey ?? (await devEncryptionKey()),
      databaseUrl,
      temporal: { ...baseConfig.temporal, address: temporalAddress, uiUrl: baseConfig.temporal.uiUrl ?? temporalUiUrl },
      ses: {
        ...baseConfig.ses,
        endpoint: sesEndpoint,
        identityEndpoint: sesIdentityEndpoint,
        credentials: baseConfig.ses.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
      },
      // The development Hub is local and cheap to ask: check with it on every request, so ending a session there shows at once.
      hub: baseConfig.hub ?? { url: hub!.url, ssoSecret: hub!.ssoSecret, sessionCacheMs: 0 },
    };

    const db = createDb(databaseUrl, { onIdleError: (error) => logger.warn({ err: error }, 'idle database connection lost') });
    stops.unshift(() => db.destroy());
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    if (hub && !(await findOrganization(db, DEMO_ORGANIZATION.id))) {
      await createOrganization(db, DEMO_ORGANIZATION.name, DEMO_ORGANIZATION.id);
      say(`created the organization ${DEMO_ORGANIZATION.name} (${DEMO_ORGANIZATION.id}), the development Hub's`);
    }

    if (options.buildWebApp !== false) await ensureWebBuild(options.projectDir, WEB_APP_DIR, say);

    const metrics = createMetrics({ defaultMetrics: true });
    const temporalConfig = { ...config.temporal, address: temporalAddress };
    const client = await connectClient(temporalConfig);
    stops.unshift(() => client.connection.close());
    const connection = await connectWorker(temporalConfig);
    stops.unshift(() => connection.close());

    const worker = await startWorker({ config, db, client, connection, logger, metrics, overrides: options.dns && { dns: options.dns } });
    stops.unshift(() => worker.shutdown());
    const api = await startApiServer({ config, db, temporal: client, logger, metrics });
    stops.unshift(() => api.close());

    return { config, api, hub, databaseUrl, temporalUi, sesViewer, workerDone: worker.done, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** `relay dev`: the dev stack on its fixed ports, data under .relay/ (kept across restarts), until Ctrl-C. */
export async function runDev(baseConfig: Config, logger: Logger, projectDir: string, toolEnv: ToolEnv): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const stack = await startDevStack(baseConfig, logger, {
    projectDir,
    toolEnv,
    stateDir: resolve(projectDir, '.relay'),
    ports: {
      postgres: DEV.postgresPort,
      temporal: DEV.temporalPort,
      temporalUi: DEV.temporalUiPort,
      ses: DEV.sesPort,
      sesIdentity: DEV.sesIdentityPort,
      hub: DEV.hubPort,
    },
    say,
  });
  const { api, hub } = stack;

  // The operator commands in another terminal (orgs, keys, partners, ...) read these.
  await writeDevSettings({
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.config.temporal.address ?? '',
    RELAY_ENCRYPTION_KEY: stack.config.encryptionKey ?? '',
    SES_ENDPOINT: stack.config.ses.endpoint ?? '',
    SES_IDENTITY_ENDPOINT: stack.config.ses.identityEndpoint ?? '',
  });
  for (const note of describeDegradedModes(stack.config)) logger.warn(note);
  say(
    [
      '',
      'Relay is running.',
      `  Dashboard      ${api.url}/   (sign in ${hub ? `through the development Hub at ${hub.url}/sso/login` : 'through Hub'})`,
      `  API            ${api.url}   (OpenAPI: ${api.url}/api/openapi.json)`,
      `  Temporal UI    ${stack.temporalUi}`,
      `  SES viewer     ${stack.sesViewer}`,
      `  Database       ${stack.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
      '',
      'First API key, in another terminal:',
      `  ./relay keys create --org ${hub ? DEMO_ORGANIZATION.name : '<organization>'} --scopes send,read,admin`,
      `  ./relay domains add --org ${hub ? DEMO_ORGANIZATION.name : '<organization>'} --name example.com   (verified at once by the local SES stand-in)`,
      '',
      'Ctrl-C stops everything; data stays in .relay/.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  await new Promise<void>((done) => {
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      say('stopping...');
      await removeDevSettings();
      await stack.stop();
      done();
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    stack.workerDone.catch((error: unknown) => {
      logger.error({ err: error }, 'worker stopped unexpectedly');
      void stop();
    });
  });
}
