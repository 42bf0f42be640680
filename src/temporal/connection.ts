import { readFile } from 'node:fs/promises';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';

type TemporalConfig = Config['temporal'] & { address: string };

async function connectionOptions(config: TemporalConfig) {
  const clientCert = config.tlsCertPath && config.tlsKeyPath ? { crt: await readFile(config.tlsCertPath), key: await readFile(config.tlsKeyPath) } : undefined;
  const tls = config.tls || clientCert || config.apiKey ? { clientCertPair: clientCert } : undefined;
  return {
    address: config.address,
    ...(tls ? { tls } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  };
}

/**
 * The API's Temporal client (workflow starts, queries, replay), over the SDK's native
 * (Rust) connection: on the send path it costs a fraction of the CPU of the pure-JS
 * gRPC stack.
 */
export async function connectClient(config: TemporalConfig): Promise<Client> {
  const connection = await NativeConnection.connect(await connectionOptions(config));
  return new Client({ connection, namespace: config.namespace });
}

/** The worker's native connection. */
export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(await connectionOptions(config));
}
