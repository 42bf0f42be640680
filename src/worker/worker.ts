import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { SES_ACTIVITY_NAMES } from '../emails/activities.js';
import type { Activities } from './activities.js';
import { sesTaskQueueFor } from '../temporal/ids.js';

export interface RelayWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** SES's max send rate for the account: the SES task queue never dispatches faster. */
  sesMaxSendRate: number;
  /** A prebuilt workflow bundle (tests and benchmarks build it once); otherwise bundled at start. */
  workflowBundlePath?: string;
}

/** The workflow source, as .ts under tsx and as .js in the compiled build. */
export function workflowsPath(): string {
  const ts = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('../workflows/index.js', import.meta.url));
}

/**
 * Two workers: the main queue runs workflows and every activity but SES's; the SES
 * queue runs only SES calls, with a task-queue-wide rate limit so that all workers
 * together stay at or under the account's send rate and run at it under a backlog.
 */
export async function createRelayWorkers(options: RelayWorkerOptions): Promise<Worker[]> {
  const { connection, namespace, taskQueue, activities } = options;
  const sesActivityNames = new Set<string>(SES_ACTIVITY_NAMES);
  const pick = (keep: (name: string) => boolean) => Object.fromEntries(Object.entries(activities).filter(([name]) => keep(name)));

  const main = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : { workflowsPath: workflowsPath() }),
    activities: pick((name) => !sesActivityNames.has(name)),
  });
  const ses = await Worker.create({
    connection,
    namespace,
    taskQueue: sesTaskQueueFor(taskQueue),
    activities: pick((name) => sesActivityNames.has(name)),
    maxTaskQueueActivitiesPerSecond: options.sesMaxSendRate,
    // The queue-wide limit lets a burst through when a backlog starts; the per-worker
    // limit spreads this worker's sends evenly within the second.
    maxActivitiesPerSecond: options.sesMaxSendRate,
  });
  return [main, ses];
}

/** Runs the workers until they are shut down (SIGINT/SIGTERM are handled by the SDK). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.run()));
}
