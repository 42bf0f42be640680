import { proxyActivities } from '@temporalio/workflow';

// The baseline: a workflow that does nothing, to measure what a bare workflow start costs.
export async function noopWorkflow(): Promise<void> {}

/**
 * The ceiling for outgoing webhooks: one workflow that runs `count` no-op activities at
 * once on another task queue, the shape of one webhook event delivered to `count`
 * endpoints, with nothing done per endpoint.
 */
export async function noopFanOutWorkflow({ count, activityTaskQueue }: { count: number; activityTaskQueue: string }): Promise<void> {
  // Nothing to wait for; a lost worker is retried.
  const { noopActivity } = proxyActivities<{ noopActivity(): Promise<void> }>({ taskQueue: activityTaskQueue, startToCloseTimeout: '30 seconds' });
  await Promise.all(Array.from({ length: count }, () => noopActivity()));
}
