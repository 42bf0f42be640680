import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { createSesClient, createSesSender } from '../integrations/ses.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { registerSearchAttributes } from '../temporal/search-attributes.js';
import { createRelayWorkers, runWorkers } from './worker.js';

export interface RunningWorker {
  /** Settles when the workers have stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/** Builds the real dependencies, registers search attributes and runs the workers. */
export async function startWorker(deps: {
  config: Config;
  db: Db;
  client: Client;
  connection: NativeConnection;
  logger: Logger;
  metrics: Metrics;
  workflowBundlePath?: string;
}): Promise<RunningWorker> {
  const { config, logger } = deps;
  await registerSearchAttributes(deps.client, config.temporal.namespace);
  const ses = createSesSender(createSesClient(config.ses), { configurationSet: config.ses.configurationSet });
  const activities = createActivities({ db: deps.db, ses, logger, metrics: deps.metrics });
  const workers: Worker[] = await createRelayWorkers({
    connection: deps.connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities,
    sesMaxSendRate: config.ses.maxSendRate,
    workflowBundlePath: deps.workflowBundlePath,
  });
  const done = runWorkers(workers);
  logger.info({ taskQueue: config.temporal.taskQueue, sesMaxSendRate: config.ses.maxSendRate }, 'worker running');
  return {
    done,
    async shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
