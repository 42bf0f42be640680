import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Runtime } from '@temporalio/worker';

/** A loopback port nobody listens on right now. */
async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => listening());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}

/**
 * Installs the worker process's Temporal Runtime (signals are Relay's to handle). With
 * `exportMetrics`, the SDK's own metrics (workflow and activity tasks and their outcomes and
 * latencies, task slots, pollers, requests to Temporal) go to a Prometheus exporter on a
 * loopback port, which the worker's /metrics serves beside Relay's: the SDK counts what it
 * runs, so Relay does not count it again by hand. Returns that exporter's URL.
 */
export async function installWorkerRuntime(options: { exportMetrics: boolean }): Promise<string | undefined> {
  if (!options.exportMetrics) {
    Runtime.install({ shutdownSignals: [] });
    return undefined;
  }
  const bindAddress = `127.0.0.1:${await freeLoopbackPort()}`;
  Runtime.install({
    shutdownSignals: [],
    telemetryOptions: { metrics: { prometheus: { bindAddress, useSecondsForDurations: true } } },
  });
  return `http://${bindAddress}/metrics`;
}
