import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import { createDb, type Db } from '../db/database.js';
import { connectClient, connectWorker } from '../temporal/connection.js';

/** Where `relay dev` serves its embedded services; other commands fall back to these when unset. */
export const DEV = {
  apiPort: 3000,
  postgresPort: 5433,
  database: 'relay',
  temporalPort: 7233,
  temporalUiPort: 8233,
  sesPort: 8005,
  hubPort: 3100,
  databaseUrl: 'postgres://postgres:relay@127.0.0.1:5433/relay',
  temporalAddress: '127.0.0.1:7233',
} as const;

/** The config with `relay dev`'s addresses (and its encryption key) filled in where the environment left them unset. */
export function withDevFallbacks(config: Config): Config & { databaseUrl: string; temporal: { address: string } } {
  return {
    ...config,
    databaseUrl: config.databaseUrl ?? DEV.databaseUrl,
    temporal: { ...config.temporal, address: config.temporal.address ?? DEV.temporalAddress },
    encryptionKey: config.encryptionKey ?? readDevEncryptionKey(),
  };
}

/** Where `relay dev` keeps its encryption key, so other commands on the same checkout can open what it sealed. */
export const DEV_ENCRYPTION_KEY_FILE = resolve(fileURLToPath(new URL('../..', import.meta.url)), '.relay', 'encryption.key');

export function readDevEncryptionKey(): string | undefined {
  try {
    return readFileSync(DEV_ENCRYPTION_KEY_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function openDb(config: Config, logger: Logger): Db {
  return createDb(withDevFallbacks(config).databaseUrl, {
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
  });
}

export async function openTemporal(config: Config): Promise<Client> {
  return connectClient(withDevFallbacks(config).temporal);
}

export async function openWorkerConnection(config: Config): Promise<NativeConnection> {
  return connectWorker(withDevFallbacks(config).temporal);
}
