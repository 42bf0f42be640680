import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadConfig, requireSettings, type Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import { createDb, type Db } from '../db/database.js';
import { connectClient, connectWorker } from '../temporal/connection.js';

/** Where `relay dev` serves its embedded services. */
export const DEV = {
  apiPort: 3000,
  postgresPort: 5433,
  database: 'relay',
  temporalPort: 7233,
  temporalUiPort: 8233,
  sesPort: 8005,
  sesIdentityPort: 8006,
  hubPort: 3100,
} as const;

const stateDir = resolve(fileURLToPath(new URL('../..', import.meta.url)), '.relay');
/** Where `relay dev` keeps its encryption key, so what one run sealed opens in the next. */
export const DEV_ENCRYPTION_KEY_FILE = resolve(stateDir, 'encryption.key');
/** The settings a running `relay dev` uses, for the operator commands on the same checkout. */
export const DEV_SETTINGS_FILE = resolve(stateDir, 'dev.env');

/** What each long-running process cannot start without: no development fallback applies to them. */
export const REQUIRED_SETTINGS = {
  api: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'RELAY_ENCRYPTION_KEY', 'PUBLIC_URL'],
  worker: ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'RELAY_ENCRYPTION_KEY'],
  migrate: ['DATABASE_URL'],
} as const;

/** The config of `relay api`, `relay worker` or `relay migrate`: every required setting set, or one error naming all that are missing. */
export function processConfig(command: keyof typeof REQUIRED_SETTINGS, env: NodeJS.ProcessEnv = process.env): Config {
  requireSettings(env, REQUIRED_SETTINGS[command]);
  return loadConfig(env);
}

/**
 * The config of the operator commands (orgs, keys, partners, archive, replay, billing):
 * the environment, and for a setting it does not name at all, the one `relay dev` on this
 * checkout runs with, so the README's first steps work in a second terminal. A setting
 * named but empty (`RELAY_ENCRYPTION_KEY= relay ...`) stays unset.
 */
export function operatorConfig(env: NodeJS.ProcessEnv = process.env, devSettings: Record<string, string> = readDevSettings()): Config {
  const fromDev = Object.entries(devSettings).filter(([name]) => !(name in env));
  const set = Object.entries(env).filter(([, value]) => value !== undefined && value !== '');
  return loadConfig(Object.fromEntries([...fromDev, ...set]));
}

export function readDevEncryptionKey(): string | undefined {
  try {
    return readFileSync(DEV_ENCRYPTION_KEY_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export async function writeDevSettings(settings: Record<string, string>): Promise<void> {
  const lines = Object.entries(settings).map(([name, value]) => `${name}=${value}`);
  await writeFile(DEV_SETTINGS_FILE, `# Written by relay dev for the operator commands on this checkout.\n${lines.join('\n')}\n`, { mode: 0o600 });
}

/** Once `relay dev` has stopped, the operator commands no longer point at its stopped services. */
export async function removeDevSettings(): Promise<void> {
  await rm(DEV_SETTINGS_FILE, { force: true });
}

function readDevSettings(): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(DEV_SETTINGS_FILE, 'utf8');
  } catch {
    return {};
  }
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new ConfigError([`${name}: required (or run relay dev on this checkout)`]);
  return value;
}

export function openDb(config: Config, logger: Logger): Db {
  return createDb(required(config.databaseUrl, 'DATABASE_URL'), {
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
  });
}

export async function openTemporal(config: Config): Promise<Client> {
  return connectClient({ ...config.temporal, address: required(config.temporal.address, 'TEMPORAL_ADDRESS') });
}

export async function openWorkerConnection(config: Config): Promise<NativeConnection> {
  return connectWorker({ ...config.temporal, address: required(config.temporal.address, 'TEMPORAL_ADDRESS') });
}
