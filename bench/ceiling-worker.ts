// (f)'s ceiling in a process of its own, as `relay worker` runs webhook deliveries in its
// own: the no-op fan-out workflow, and its no-op activities at the deliveries queue's
// concurrency. Stops on SIGTERM.
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

const [address, namespace, concurrency] = process.argv.slice(2);
Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: address! });
const workflows = await Worker.create({
  connection,
  namespace: namespace!,
  taskQueue: 'bench-ceiling',
  workflowsPath: fileURLToPath(new URL('./noop-workflow.ts', import.meta.url)),
});
const activities = await Worker.create({
  connection,
  namespace: namespace!,
  taskQueue: 'bench-ceiling-activities',
  activities: { noopActivity: async () => {} },
  maxConcurrentActivityTaskExecutions: Number(concurrency),
});
process.once('SIGTERM', () => {
  workflows.shutdown();
  activities.shutdown();
});
await Promise.all([workflows.run(), activities.run()]);
await connection.close();
