import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { createDb } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres.js';
import { startSesEmulator } from '../../src/dev/ses-emulator.js';
import { ensureTemporalCli, startTemporalDevServer } from '../../src/dev/temporal-server.js';
import { workflowsPath } from '../../src/worker/worker.js';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    postgresUrlTemplate: string;
    templateDatabase: string;
    sesUrl: string;
    workflowBundlePath: string;
  }
}

export const TEMPLATE_DATABASE = 'relay_template';

/**
 * One real PostgreSQL, one real Temporal dev server and one SES emulator for the whole
 * run; each test file gets its own database (a copy of a migrated template) and its own
 * task queue on them.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const projectDir = resolve(import.meta.dirname, '../..');
  const scratch = await mkdtemp(join(tmpdir(), 'relay-test-'));
  // As root, PostgreSQL runs as its own user, which must be able to reach its data directory.
  await chmod(scratch, 0o755);

  const [temporalBinary, postgresPort, temporalPort, sesPort] = await Promise.all([
    ensureTemporalCli(projectDir, process.env, (line) => console.log(line)),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const started = await Promise.allSettled([
    startEmbeddedPostgres({ dir: join(scratch, 'postgres'), port: postgresPort }),
    startTemporalDevServer({ binary: temporalBinary, port: temporalPort }),
    startSesEmulator({ port: sesPort }),
    bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietLogger }),
  ] as const);
  const stopAll = async () => {
    await Promise.allSettled(started.flatMap((result) => (result.status === 'fulfilled' && 'stop' in result.value ? [result.value.stop()] : [])));
    await rm(scratch, { recursive: true, force: true });
  };
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    // Nothing started may outlive a failed setup.
    await stopAll();
    throw failed.reason;
  }
  const [postgres, temporal, ses, bundle] = started.map((result) => (result as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startEmbeddedPostgres>>,
    Awaited<ReturnType<typeof startTemporalDevServer>>,
    Awaited<ReturnType<typeof startSesEmulator>>,
    Awaited<ReturnType<typeof bundleWorkflowCode>>,
  ];

  await postgres.ensureDatabase(TEMPLATE_DATABASE);
  const templateDb = createDb(postgres.urlFor(TEMPLATE_DATABASE));
  await migrateToLatest(templateDb);
  await templateDb.destroy();

  const workflowBundlePath = join(scratch, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', temporal.address);
  project.provide('postgresUrlTemplate', postgres.urlFor('{database}'));
  project.provide('templateDatabase', TEMPLATE_DATABASE);
  project.provide('sesUrl', ses.url);
  project.provide('workflowBundlePath', workflowBundlePath);

  return stopAll;
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
