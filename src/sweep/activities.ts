import type { Db } from '../db/database.js';
import { listUnfinishedCalls, listUnthreadedChannelMessages } from '../channels/index.js';
import { listUnprocessedCommerceEvents } from '../commerce/index.js';
import { listQueuedEmailsOlderThan } from '../emails/index.js';
import { listReceivedInboundOlderThan } from '../inbound/index.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { listPendingPartnerDeliveries } from '../partners/index.js';
import { listUnprocessedSnsMessages } from '../sns/index.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { listUnplannedWebhookEvents } from '../webhooks/index.js';
import type { StrandedKind } from './kinds.js';

export interface SweepActivityDeps {
  db: Db;
  workflows: WorkflowStarter;
  logger: Logger;
  metrics: Metrics;
  /** Work still not started this long after it was stored was never started (STRANDED_AFTER_SECONDS). */
  strandedAfterMs: number;
  /** What the started workflows run with, as the API starts them. */
  routeMaxAttempts: number;
  partnerRetry: { attempts: number; firstRetryMs: number };
  dialpad: { voicemailWaitMs: number; afterHangupWaitMs: number };
}

/**
 * The oldest this many rows of a kind are looked at per run. Rows whose workflow runs are
 * refused by their workflow id and cost one call each; behind a backlog longer than this
 * (emails waiting for SES) a newer stranded row waits until the backlog ahead of it drains,
 * which it would have waited for anyway.
 */
const SWEEP_BATCH = 500;
/** Starts in flight at once. */
const CONCURRENCY = 16;

type Start = () => Promise<boolean>;

async function startAll(starts: Start[]): Promise<number> {
  let started = 0;
  for (let index = 0; index < starts.length; index += CONCURRENCY) {
    const outcomes = await Promise.all(starts.slice(index, index + CONCURRENCY).map((start) => start()));
    started += outcomes.filter(Boolean).length;
  }
  return started;
}

export function createSweepActivities(deps: SweepActivityDeps) {
  const { db, workflows } = deps;

  /** Each kind's rows stored before `before` and still in their first state, as starts of their workflows. */
  const strandedOf: Record<StrandedKind, (before: Date) => Promise<Start[]>> = {
    email: async (before) =>
      (await listQueuedEmailsOlderThan(db, before, SWEEP_BATCH)).map(
        (email) => () => workflows.startSendEmail({ orgId: email.org_id, emailId: email.id, priority: email.priority, sendPath: 'queued' }),
      ),
    inbound: async (before) =>
      (await listReceivedInboundOlderThan(db, before, SWEEP_BATCH)).map(
        (message) => () => workflows.startInbound({ inboundId: message.id, routeMaxAttempts: deps.routeMaxAttempts }),
      ),
    'sns-message': async (before) =>
      (await listUnprocessedSnsMessages(db, before, SWEEP_BATCH)).map((message) =>
        message.event_type === 'SubscriptionConfirmation'
          ? () => workflows.startSnsSubscriptionConfirmation(message.sns_message_id)
          : () => workflows.startSesEvent({ snsMessageId: message.sns_message_id }),
      ),
    'channel-message': async (before) =>
      (await listUnthreadedChannelMessages(db, before, SWEEP_BATCH)).map(
        (message) => () => workflows.startChannelMessage({ messageId: message.id, orgId: message.org_id }),
      ),
    'dialpad-call': async (before) =>
      (await listUnfinishedCalls(db, before, SWEEP_BATCH, deps.dialpad)).map((call) => () => workflows.resumeDialpadCall(call.input, call.events)),
    'commerce-event': async (before) =>
      (await listUnprocessedCommerceEvents(db, before, SWEEP_BATCH)).map(
        (event) => () => workflows.startCommerceEvent({ eventId: event.id, orgId: event.org_id }),
      ),
    'webhook-event': async (before) =>
      (await listUnplannedWebhookEvents(db, before, SWEEP_BATCH)).map(
        (event) => () => workflows.startWebhookFanOut({ eventId: event.id, orgId: event.org_id }),
      ),
    'partner-delivery': async (before) =>
      (await listPendingPartnerDeliveries(db, before, SWEEP_BATCH)).map(
        (delivery) => () => workflows.startPartnerDelivery({ idempotencyKey: delivery.idempotency_key, retry: deps.partnerRetry }, delivery.org_id),
      ),
  };

  return {
    /**
     * Starts the workflow of every row of `kind` stored over `strandedAfterMs` ago and still
     * in its first state. A row whose workflow exists is left alone (its start is refused),
     * so this only ever starts what the API stored but could not start.
     */
    async startStrandedWork({ kind }: { kind: StrandedKind }): Promise<{ kind: StrandedKind; found: number; started: number }> {
      const starts = await strandedOf[kind](new Date(Date.now() - deps.strandedAfterMs));
      const started = await startAll(starts);
      if (started > 0) {
        deps.metrics.strandedStarted.inc({ kind }, started);
        deps.logger.warn({ kind, found: starts.length, started }, 'started stranded work');
      }
      return { kind, found: starts.length, started };
    },
  };
}

export type SweepActivities = ReturnType<typeof createSweepActivities>;
