import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Runtime } from '@temporalio/worker';
import { startApiServer } from '../api/server.js';
import { describeDegradedModes, type Config } from '../config.js';
import { createDb } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { startEmbeddedPostgres } from '../dev/embedded-postgres.js';
import { startSesEmulator } from '../dev/ses-emulator.js';
import { startSesIdentityStandIn } from '../dev/ses-identity-stand-in.js';
import { ensureTemporalCli, startTemporalDevServer } from '../dev/temporal-server.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { generateEncryptionKey } from '../security/encryption.js';
import { connectClient, connectWorker } from '../temporal/connection.js';
import { startWorker } from '../worker/start.js';
import { DEV, DEV_ENCRYPTION_KEY_FILE, readDevEncryptionKey, writeDevSettings } from './runtime.js';

/** A key kept in .relay/ so webhook secrets sealed in one `relay dev` open in the next. */
async function devEncryptionKey(): Promise<string> {
  const existing = readDevEncryptionKey();
  if (existing) return existing;
  const key = generateEncryptionKey();
  await writeFile(DEV_ENCRYPTION_KEY_FILE, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * `relay dev`: the whole product on one machine with no external service. Embedded
 * PostgreSQL, the Temporal dev server and the SES emulator start unless the
 * environment points elsewhere; data lives under .relay/ and survives a restart.
 */
export async function runDev(baseConfig: Config, logger: Logger, projectDir: string, pathEnv: string): Promise<void> {
  const stateDir = resolve(projectDir, '.relay');
  await mkdir(stateDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const say = (line: string) => process.stdout.write(`${line}\n`);

  // Relay stops the workers itself, in order, on Ctrl-C.
  Runtime.install({ shutdownSignals: [] });

  let databaseUrl = baseConfig.databaseUrl;
  if (!databaseUrl) {
    const postgres = await startEmbeddedPostgres({ dir: resolve(stateDir, 'postgres'), port: DEV.postgresPort });
    stops.unshift(() => postgres.stop());
    await postgres.ensureDatabase(DEV.database);
    databaseUrl = postgres.urlFor(DEV.database);
  }

  let temporalAddress = baseConfig.temporal.address;
  let temporalUi = 'the Temporal UI of your cluster';
  if (!temporalAddress) {
    const binary = await ensureTemporalCli(projectDir, pathEnv, say);
    const temporal = await startTemporalDevServer({
      binary,
      port: DEV.temporalPort,
      uiPort: DEV.temporalUiPort,
      dbFile: resolve(stateDir, 'temporal.sqlite'),
    });
    stops.unshift(() => temporal.stop());
    temporalAddress = temporal.address;
    temporalUi = temporal.uiUrl ?? temporalUi;
  }

  let sesEndpoint = baseConfig.ses.endpoint;
  let sesIdentityEndpoint = baseConfig.ses.identityEndpoint;
  let sesViewer = 'real AWS SES (no local viewer)';
  if (!sesEndpoint && !baseConfig.ses.credentials) {
    const ses = await startSesEmulator({ port: DEV.sesPort });
    stops.unshift(() => ses.stop());
    sesEndpoint = ses.url;
    sesViewer = ses.url;
    // The emulator has no identity API: sending domains verify through this stand-in at once.
    const identities = await startSesIdentityStandIn({ port: DEV.sesIdentityPort });
    stops.unshift(() => identities.stop());
    sesIdentityEndpoint = identities.url;
  } else if (sesEndpoint) {
    sesViewer = sesEndpoint;
  }

  const config: Config = {
    ...baseConfig,
    encryptionKey: baseConfig.encryptionKey ?? (await devEncryptionKey()),
    databaseUrl,
    temporal: { ...baseConfig.temporal, address: temporalAddress },
    ses: {
      ...baseConfig.ses,
      endpoint: sesEndpoint,
      identityEndpoint: sesIdentityEndpoint,
      credentials: baseConfig.ses.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
    },
  };

  const db = createDb(databaseUrl, { onIdleError: (error) => logger.warn({ err: error }, 'idle database connection lost') });
  stops.unshift(() => db.destroy());
  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');

  const metrics = createMetrics({ defaultMetrics: true });
  const temporalConfig = { ...config.temporal, address: temporalAddress };
  const client = await connectClient(temporalConfig);
  stops.unshift(() => client.connection.close());
  const connection = await connectWorker(temporalConfig);
  stops.unshift(() => connection.close());

  const worker = await startWorker({ config, db, client, connection, logger, metrics });
  stops.unshift(() => worker.shutdown());
  const api = await startApiServer({ config, db, temporal: client, logger, metrics });
  stops.unshift(() => api.close());

  // The operator commands in another terminal (orgs, keys, partners, ...) read these.
  await writeDevSettings({
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    RELAY_ENCRYPTION_KEY: config.encryptionKey ?? '',
    SES_ENDPOINT: sesEndpoint ?? '',
    SES_IDENTITY_ENDPOINT: sesIdentityEndpoint ?? '',
  });
  for (const note of describeDegradedModes(config)) logger.warn(note);
  say(
    [
      '',
      'Relay is running.',
      `  API            ${api.url}   (OpenAPI: ${api.url}/api/openapi.json)`,
      `  Temporal UI    ${temporalUi}`,
      `  SES viewer     ${sesViewer}`,
      `  Database       ${databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
      '',
      'First API key, in another terminal:',
      '  ./relay orgs create --name demo',
      '  ./relay keys create --org demo --scopes send,read,admin',
      '  ./relay domains add --org demo --name example.com   (verified at once by the local SES stand-in)',
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
      for (const step of stops) {
        await step().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
      }
      done();
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    worker.done.catch((error: unknown) => {
      logger.error({ err: error }, 'worker stopped unexpectedly');
      void stop();
    });
  });
}
