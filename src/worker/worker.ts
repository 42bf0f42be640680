import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { SES_ACTIVITY_NAMES } from '../emails/activities.js';
import { PARTNER_DELIVERY_ACTIVITY_NAMES } from '../partners/activities.js';
import { WEBHOOK_DELIVERY_ACTIVITY_NAMES } from '../webhooks/activities.js';
import type { Activities } from './activities.js';
import { heartbeatWhileRunning } from './heartbeats.js';
import { deliveriesTaskQueueFor, sesTaskQueueFor } from '../temporal/ids.js';

export interface RelayWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** SES's max send rate for the account: the SES task queue never dispatches faster. */
  sesMaxSendRate: number;
  /** Outgoing HTTP deliveries (webhooks, partners) this worker runs at once. */
  deliveryConcurrency: number;
  /** A prebuilt workflow bundle (tests and benchmarks build it once); otherwise the build's, or bundled at start. */
  workflowBundlePath?: string;
  /** Workflow runs the main worker keeps in memory between their tasks (WORKER_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows: number;
}

/**
 * The workflow bundle `npm run build` writes beside the compiled code (dist/workflow-bundle.js).
 * A compiled worker starts from it instead of bundling the workflow code itself at start,
 * which costs seconds of CPU and leaves the bundler's memory in the process.
 */
export function prebuiltWorkflowBundlePath(): string | undefined {
  const bundle = fileURLToPath(new URL(`../${WORKFLOW_BUNDLE_FILE}`, import.meta.url));
  return import.meta.url.endsWith('.js') && existsSync(bundle) ? bundle : undefined;
}

/** The name of the prebuilt bundle, at the root of the compiled output. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

/** The workflow source, as .ts under tsx and as .js in the compiled build. */
export function workflowsPath(): string {
  const ts = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
  return existsSync(ts) ? ts : fileURLToPath(new URL('../workflows/index.js', import.meta.url));
}

/**
 * Three workers: the main queue runs workflows and every activity but SES's and the
 * outgoing deliveries'; the SES queue runs only SES calls, with a task-queue-wide rate
 * limit and a send schedule in PostgreSQL so that all workers together stay at or under
 * the account's send rate and run at it under a backlog; the deliveries queue runs the webhook and partner POSTs with their
 * own slots, so receivers that hang for their 30 s (or whose DNS never answers) take
 * nothing from email sends.
 */
export async function createRelayWorkers(options: RelayWorkerOptions): Promise<Worker[]> {
  const { connection, namespace, taskQueue, activities } = options;
  const sesActivityNames = new Set<string>(SES_ACTIVITY_NAMES);
  const deliveryActivityNames = new Set<string>([...WEBHOOK_DELIVERY_ACTIVITY_NAMES, ...PARTNER_DELIVERY_ACTIVITY_NAMES]);
  const pick = (keep: (name: string) => boolean) => Object.fromEntries(Object.entries(activities).filter(([name]) => keep(name)));

  const bundlePath = options.workflowBundlePath ?? prebuiltWorkflowBundlePath();
  // Activities scheduled with a heartbeat timeout (ABANDONED_ATTEMPT_HEARTBEAT_TIMEOUT) heartbeat while they run.
  const interceptors = { activity: [heartbeatWhileRunning] };
  const main = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: workflowsPath() }),
    // Each run waiting on an SES slot stays cached until it completes; under a large backlog
    // the SDK's default (scaled to the heap, thousands) is what fills the worker's memory.
    // Past the cap, the least recently used runs are evicted and replayed from history.
    maxCachedWorkflows: options.maxCachedWorkflows,
    activities: pick((name) => !sesActivityNames.has(name) && !deliveryActivityNames.has(name)),
    interceptors,
  });
  const ses = await Worker.create({
    connection,
    namespace,
    taskQueue: sesTaskQueueFor(taskQueue),
    activities: pick((name) => sesActivityNames.has(name)),
    // The queue-wide limit keeps the queue's order (priorities, fairness) and its long-run
    // rate; the burst it lets through when a backlog starts is spaced out by the send
    // schedule every worker shares (sendEmailViaSes), which a per-worker limit could not do.
    maxTaskQueueActivitiesPerSecond: options.sesMaxSendRate,
    interceptors,
  });
  const deliveries = await Worker.create({
    connection,
    namespace,
    taskQueue: deliveriesTaskQueueFor(taskQueue),
    activities: pick((name) => deliveryActivityNames.has(name)),
    maxConcurrentActivityTaskExecutions: options.deliveryConcurrency,
    interceptors,
  });
  return [main, ses, deliveries];
}

/** Runs the workers until they are shut down (SIGINT/SIGTERM are handled by the SDK). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.run()));
}
