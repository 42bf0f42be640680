import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { InsertQueryNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/database.js';
import { createHttpClient } from '../../src/integrations/http.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createSecretBox, generateEncryptionKey } from '../../src/security/encryption.js';
import type { WorkflowStarter } from '../../src/temporal/workflow-starter.js';
import { createWebhookActivities } from '../../src/webhooks/activities.js';
import { createWebhook, insertWebhookEvents } from '../../src/webhooks/repository.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { createDatabase, createOrgWithKey } from '../support/stack.js';

let db: Db;
let orgId: string;
const receiver = new WebhookReceiver('whsec_' + Buffer.from('batch-retry-secret').toString('base64'));
const secretBox = createSecretBox(generateEncryptionKey());

beforeAll(async () => {
  db = createDb(await createDatabase());
  ({ orgId } = await createOrgWithKey(db));
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  await db?.destroy();
});

function activitiesWith(through: Db) {
  return createWebhookActivities({
    db: through,
    webhookHttp: createHttpClient({ guard: { allowInsecure: true }, maxResponseBytes: 16 * 1024 }),
    secretBox,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    webhookRetryScheduleMs: [60_000],
    // These activities make attempts; none of them starts a workflow.
    workflows: {} as WorkflowStarter,
  });
}

/** The database, refusing the first attempt log written through it, as a failover would. */
function refusingFirstAttemptLog() {
  let refused = false;
  return db.withPlugin({
    transformQuery: ({ node }) => {
      if (!refused && InsertQueryNode.is(node) && node.into?.table.identifier.name === 'webhook_delivery_attempts') {
        refused = true;
        throw new Error('connection terminated unexpectedly');
      }
      return node;
    },
    transformResult: async ({ result }) => result,
  });
}

describe('a batch of first attempts retried after the database refused one log', () => {
  it('sends nothing twice to the endpoints whose attempt was logged and reports them delivered', async () => {
    const paths = ['/a', '/b', '/c'];
    for (const path of paths) {
      const id = randomUUID();
      await createWebhook(db, {
        id,
        orgId,
        url: `${receiver.url}${path}`,
        events: ['ticket.priority_changed'],
        secretSealed: secretBox.seal(receiver.secret!, { table: 'webhooks', column: 'secret_sealed', rowId: id }),
        enabled: true,
      });
    }
    const [eventId] = await insertWebhookEvents(db, orgId, [{ type: 'ticket.priority_changed', data: { ticket_id: 't-1', priority: 'high' } }]);
    const environment = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const run = <A extends unknown[], R>(activity: (...args: A) => Promise<R>, ...args: A) => environment.run(activity, ...args) as Promise<R>;
    const { deliveries } = await run(activitiesWith(db).planWebhookDeliveries, { eventId: eventId!, limit: 10 });
    const batch = { deliveries: deliveries.map(({ deliveryId, generation }) => ({ deliveryId, generation })), nextWaitMs: 60_000 };

    // The first try: every endpoint is posted to; one log is refused, so the activity fails.
    await expect(run(activitiesWith(refusingFirstAttemptLog()).attemptWebhookDeliveries, batch)).rejects.toThrow('connection terminated');
    expect(receiver.received.map((entry) => entry.request.path).sort()).toEqual(paths);
    const unlogged = await db.selectFrom('webhook_deliveries').select('webhook_id').where('event_id', '=', eventId!).where('status', '=', 'pending').execute();
    expect(unlogged).toHaveLength(1);

    // Temporal's retry of the activity: only the unlogged one is posted again, and all three count as delivered.
    const outcomes = await run(activitiesWith(db).attemptWebhookDeliveries, batch);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const unloggedPath = new URL((await db.selectFrom('webhooks').select('url').where('id', '=', unlogged[0]!.webhook_id).executeTakeFirstOrThrow()).url)
      .pathname;
    const posts = receiver.received.map((entry) => entry.request.path);
    expect(posts).toHaveLength(4);
    for (const path of paths) expect(posts.filter((posted) => posted === path)).toHaveLength(path === unloggedPath ? 2 : 1);
    const logged = await db
      .selectFrom('webhook_delivery_attempts')
      .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_delivery_attempts.delivery_id')
      .select(['webhook_deliveries.id', 'webhook_delivery_attempts.http_status'])
      .where('webhook_deliveries.event_id', '=', eventId!)
      .execute();
    expect(logged.map((row) => row.http_status)).toEqual([200, 200, 200]);
  });
});
