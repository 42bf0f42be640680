// npm run fuzz: schemathesis (PyPI, pinned, in a venv under the tools cache) against a real
// Relay on this machine — embedded PostgreSQL, the Temporal dev server, the SES emulator,
// the API and the worker — with every check on. Exits non-zero on any failure.
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createApiKey, createOrganization } from '../src/auth/repository.js';
import { startDevStack } from '../src/cli/dev.js';
import { loadConfig } from '../src/config.js';
import { API_KEY_SCOPES } from '../src/db/tables/api-keys.js';
import { createDb } from '../src/db/database.js';
import { encodeKeysetCursor } from '../src/http/pagination.js';
import { createLogger } from '../src/observability/logger.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { freePort } from '../test/support/free-port.js';

const SCHEMATHESIS = 'schemathesis==4.32.5';
const projectDir = resolve(import.meta.dirname, '..');
const say = (line: string) => process.stdout.write(`${line}\n`);

/** A venv with the pinned schemathesis, made once and kept in the tools cache. */
async function ensureSchemathesis(): Promise<string> {
  const cache = process.env.RELAY_TOOLS_CACHE ? resolve(process.env.RELAY_TOOLS_CACHE) : join(homedir(), '.cache', 'relay');
  const venv = join(cache, 'schemathesis');
  const st = join(venv, 'bin', 'st');
  const installed = existsSync(st) ? (await promisify(execFile)(st, ['--version']).catch(() => ({ stdout: '' }))).stdout : '';
  if (installed.includes(SCHEMATHESIS.split('==')[1]!)) return st;
  say(`installing ${SCHEMATHESIS} into ${venv}`);
  await promisify(execFile)('python3', ['-m', 'venv', '--clear', venv]);
  await promisify(execFile)(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', SCHEMATHESIS]);
  return st;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    child.once('error', fail);
    child.once('exit', (code) => done(code ?? 1));
  });
}

const st = await ensureSchemathesis();
const stateDir = await mkdtemp(join(tmpdir(), 'relay-fuzz-'));
const port = await freePort();
const adminKey = `admin-${randomBytes(24).toString('hex')}`;
const metricsToken = `metrics-${randomBytes(24).toString('hex')}`;
// Nothing listens on the discard port: should anything reach for Shopify or Stripe, it stays on loopback.
const nowhere = 'http://127.0.0.1:9';
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'development',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  PORT: String(port),
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  RELAY_ADMIN_KEY: adminKey,
  RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
  TEMPORAL_TASK_QUEUE: `fuzz-${randomBytes(4).toString('hex')}`,
  METRICS_TOKEN: metricsToken,
  // Configured (with made-up credentials), so connect and callback run their checks instead of a 503.
  SHOPIFY_API_KEY: 'fuzz-shopify-key',
  SHOPIFY_API_SECRET: randomBytes(16).toString('hex'),
  SHOPIFY_SHOP_BASE_URL: `${nowhere}/{shop}`,
  STRIPE_CONNECT_CLIENT_ID: 'ca_fuzz',
  STRIPE_SECRET_KEY: `sk_test_${randomBytes(12).toString('hex')}`,
  STRIPE_CONNECT_BASE_URL: nowhere,
});
const logger = createLogger({ level: config.logLevel });
const stack = await startDevStack(config, logger, {
  projectDir,
  toolEnv: process.env,
  stateDir,
  ports: { postgres: await freePort(), temporal: await freePort(), ses: await freePort(), hub: await freePort() },
  say,
  buildWebApp: false,
});
let code: number;
try {
  const db = createDb(stack.databaseUrl);
  const org = await createOrganization(db, 'fuzz');
  const { key } = await createApiKey(db, { orgId: org.id, scopes: [...API_KEY_SCOPES], name: 'schemathesis' });
  await db.destroy();
  say(`fuzzing ${stack.api.url}/api/openapi.json`);
  code = await run(
    st,
    [
      '--config-file',
      join(projectDir, 'scripts', 'schemathesis.toml'),
      'run',
      `${stack.api.url}/api/openapi.json`,
      '--checks',
      'all',
      '--workers',
      // One: generation is CPU-bound under the GIL anyway, and Python 3.11 has crashed compiling in threads.
      process.env.FUZZ_WORKERS ?? '1',
      '--max-examples',
      process.env.FUZZ_MAX_EXAMPLES ?? '30',
      // The same cases every run, so CI fails on Relay and not on luck; FUZZ_SEED=<n> explores others.
      ...(process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : ['--generation-deterministic']),
      '--phases',
      'examples,coverage,fuzzing',
      '--request-timeout',
      '10',
      '--report',
      'junit',
      '--report-dir',
      join(projectDir, '.relay', 'fuzz'),
    ],
    {
      ...process.env,
      RELAY_FUZZ_API_KEY: key,
      RELAY_FUZZ_ADMIN_KEY: adminKey,
      RELAY_FUZZ_METRICS_TOKEN: metricsToken,
      RELAY_FUZZ_CURSOR: encodeKeysetCursor(new Date(), randomUUID()),
    },
  );
} finally {
  await stack.stop();
  await rm(stateDir, { recursive: true, force: true });
}
process.exit(code);
