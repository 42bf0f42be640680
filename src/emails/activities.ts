import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config.js';
import type { Db, DbOrTrx } from '../db/database.js';
import { retryWhileDatabaseUnavailable } from '../db/unavailable.js';
import {
  addressOf,
  advanceEmailStatus,
  findEmail,
  findEmailToSend,
  storedContentBytes,
  insertEmailEvent,
  insertEmailEvents,
  markEmailFailed,
  recordEmailSent,
  requeueFailedEmail,
  claimBounceRateAlert,
  countRecentSendsAndBounces,
  fillSesMessageId,
  findEmailOwnerBySesMessageId,
} from './repository.js';
import { claimIdleSendSlot, reserveSendSlot } from './send-schedule-repository.js';
import { SEND_AT_ONCE_MAX_BYTES } from './send-path.js';
import { ByteBudget } from '../http/byte-budget.js';
import { findSnsMessage, markSnsMessageProcessed } from '../sns/index.js';
import type { SnsMessage } from '../security/sns.js';
import { suppressAddress } from './suppression-repository.js';
import { interpretSesEvent, parseSesEvent, statusesBelow, type SesEventEffects } from './ses-events.js';
import { busEventId, type BusEvent } from '../integrations/bus.js';
import type { SesSender } from '../integrations/ses.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

export interface EmailActivityDeps {
  db: Db;
  ses: SesSender;
  bounceAlert: Config['bounceAlert'];
  logger: Logger;
  metrics: Metrics;
  /** The account's send rate (SES_MAX_SEND_RATE) and the schedule every worker's sends share. */
  sesPacing: { queue: string; maxSendRate: number };
  /** Stored message bytes this worker sends at once (WORKER_SEND_BUDGET_MB). */
  sendBudgetBytes: number;
}

/**
 * The share of SES_MAX_SEND_RATE the shared schedule spaces sends at. A send is never early,
 * but one that wakes a little late still goes in its slot (up to LATE_WAKE_MS) and reaches
 * SES next to the following one; at the full rate that tips a second over the account's
 * limit, which SES answers with throttling. 4 % leaves two sends of room in each second at 50
 * a second (the bench, drains of 500 with emails sent at once when idle: at 96 % the busiest
 * second held 100–104 % in five, draining at 95–96 %; at 97 %, 100–106 % in seven, 96–98 %).
 */
const SES_PACING_SHARE = 0.96;

/**
 * How late after its slot a send in a backlog may wake and still use it. A stall of the
 * worker (GC, a busy core) wakes every send due during it at once, and together they tip a
 * second over the rate (the busiest second held 100–110 % in twelve drains without this); a
 * send woken later than this takes a later slot instead, at most MAX_SLOT_RETAKES times and
 * within RETAKE_SHARE. A send whose slot started at once (no backlog) keeps it: only the
 * database's answer delayed it, and nothing was due right behind it. 25 ms is about one slot
 * at 50 a second.
 */
const LATE_WAKE_MS = 25;
const MAX_SLOT_RETAKES = 3;

/**
 * The most of the send rate one worker may retake, in slots a second (with a second's worth
 * at once). Retakes are for stalls: a worker whose sends are late all the time is short of
 * CPU, and giving up their slots would only slow it further.
 */
const RETAKE_SHARE = 0.05;

/** A token bucket of `perSecond` tokens a second holding a second's worth (at least one): true when a token was taken. */
function allowance(perSecond: number): () => boolean {
  const capacity = Math.max(1, perSecond);
  let tokens = capacity;
  let filledAt = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(capacity, tokens + ((now - filledAt) / 1000) * perSecond);
    filledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** How long a sent email's record waits for the database: well inside the SES activity's 1-minute timeout. */
const RECORD_SENT_PATIENCE_MS = 40_000;

export interface AppliedSesEvent {
  matched: { orgId: string; emailId: string } | null;
  eventType: string;
  /** Bus events this SES event causes, ready to publish. */
  busEvents: BusEvent[];
}

const toDate = (value: string | undefined) => {
  const date = value ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
};

async function correlate(db: DbOrTrx, effects: SesEventEffects): Promise<{ orgId: string; emailId: string } | undefined> {
  if (effects.taggedOrgId && effects.taggedEmailId) {
    const email = await findEmail(db, effects.taggedOrgId, effects.taggedEmailId).catch(() => undefined);
    if (email && (email.ses_message_id === null || email.ses_message_id === effects.sesMessageId)) {
      return { orgId: email.org_id, emailId: email.id };
    }
  }
  return findEmailOwnerBySesMessageId(db, effects.sesMessageId);
}

export interface EmailRef {
  orgId: string;
  emailId: string;
}

export interface SendEmailRef extends EmailRef {
  /** The stored content's size as JSON, known since it was accepted (absent in runs started before it was passed): read from the database then. */
  contentBytes?: number;
}

export type SendOutcome = { outcome: 'sent'; sesMessageId: string; busEvent: BusEvent } | { outcome: 'suppressed' };

/** What sending at once came to: sent or suppressed, or `queued` when it has to wait its turn on the SES queue. */
export type SendAtOnceOutcome = SendOutcome | { outcome: 'queued' };

function sentOutcome(orgId: string, emailId: string, sesMessageId: string, recipients: string[]): SendOutcome {
  return {
    outcome: 'sent',
    sesMessageId,
    busEvent: {
      id: busEventId('relay.email.sent', emailId),
      type: 'relay.email.sent',
      occurred_at: new Date().toISOString(),
      org_id: orgId,
      data: { email_id: emailId, ses_message_id: sesMessageId, recipients },
    },
  };
}

export function createEmailActivities({ db, ses, logger, metrics, bounceAlert, sesPacing, sendBudgetBytes }: EmailActivityDeps) {
  // A message takes several times its stored size in heap while it is loaded, built and handed
  // to SES; the task queue's rate lets a second's worth start at once, so a backlog of 10 MB
  // attachments would otherwise take gigabytes. Larger messages wait their turn, in order.
  const sendBudget = new ByteBudget(sendBudgetBytes);
  const mayRetakeSlot = allowance(sesPacing.maxSendRate * RETAKE_SHARE);
  const sendInterval = 1 / (sesPacing.maxSendRate * SES_PACING_SHARE);

  /**
   * Waits for this send's slot in the shared schedule. Temporal's task-queue limiter hands
   * out a second's worth of sends at once when a backlog starts; the schedule spaces them
   * evenly, so no second passes the rate.
   */
  async function waitForSendSlot(): Promise<void> {
    const reserveSlot = () => reserveSendSlot(db, sesPacing.queue, sendInterval);
    let slot = await reserveSlot();
    for (let retaken = 0; ; retaken += 1) {
      // Cancellable: a worker shutting down gives the send back to Temporal before it happens.
      const waitMs = slot.startsAt - Date.now();
      if (waitMs > 0) await Context.current().sleep(waitMs);
      // A slot that started at once had no send due right behind it; only a late one in a backlog bunches.
      const late = slot.queued && Date.now() - slot.startsAt > LATE_WAKE_MS;
      if (!late || retaken === MAX_SLOT_RETAKES || !mayRetakeSlot()) return;
      metrics.sesSlotsRetaken.inc();
      slot = await reserveSlot();
    }
  }

  /** Runs a send within the worker's send budget (its stored size, read when the run was started without it). */
  async function withinSendBudget<T>(ref: SendEmailRef, send: () => Promise<T>): Promise<T> {
    const release = await sendBudget.take(ref.contentBytes ?? (await storedContentBytes(db, ref.orgId, ref.emailId)) ?? 0);
    try {
      return await send();
    } finally {
      release();
    }
  }

  /** The send itself: the checks, suppressions, the SES call in its slot (`takeSlot`) and its record. */
  async function sendStoredEmail({ orgId, emailId }: EmailRef, takeSlot: () => Promise<void>): Promise<SendOutcome> {
    const email = await findEmailToSend(db, orgId, emailId);
    if (!email) throw ApplicationFailure.nonRetryable(`email ${emailId} does not exist`, 'EmailNotFound');
    if (email.ses_message_id) return sentOutcome(orgId, emailId, email.ses_message_id, email.recipients);
    if (email.status === 'suppressed') return { outcome: 'suppressed' };
    if (email.status !== 'queued') {
      throw ApplicationFailure.nonRetryable(`email ${emailId} is ${email.status}, not queued`, 'EmailNotQueued');
    }
    // A failed email replayed after its retention period has no body left to send.
    if (email.content_purged_at)
      throw ApplicationFailure.nonRetryable(`email ${emailId} is past its retention period: its content was purged`, 'EmailContentPurged');

    // Suppressions are read with the email at send time, so one added a second ago already applies.
    const { suppressed } = email;
    const skipped = new Map(suppressed.map((entry) => [entry.address, entry]));
    const skippedEntries = suppressed.map((entry) => ({
      orgId,
      emailId,
      type: 'suppressed' as const,
      recipient: entry.address,
      detail: { reason: entry.reason, suppressed_at: entry.created_at.toISOString(), source_email_id: entry.source_email_id },
    }));
    const keep = (list: string[]) => list.filter((mailbox) => !skipped.has(addressOf(mailbox)));
    const content = { ...email.content, to: keep(email.content.to), cc: keep(email.content.cc), bcc: keep(email.content.bcc) };
    if (content.to.length + content.cc.length + content.bcc.length === 0) {
      await db.transaction().execute(async (trx) => {
        if (await advanceEmailStatus(trx, orgId, emailId, 'suppressed', ['queued'])) await insertEmailEvents(trx, skippedEntries);
      });
      metrics.sesSends.inc({ outcome: 'suppressed' });
      logger.info({ orgId, emailId }, 'email suppressed: every recipient is on the suppression list');
      return { outcome: 'suppressed' };
    }
    if (content.to.length === 0) {
      // SES needs a To address: the first remaining Cc (or Bcc) takes its place.
      content.to = content.cc.length > 0 ? content.cc.splice(0, 1) : content.bcc.splice(0, 1);
    }

    await takeSlot();

    let sesMessageId: string;
    try {
      sesMessageId = await ses.send({
        content,
        tags: { ...email.tags, relay_org_id: orgId, relay_email_id: emailId },
      });
    } catch (error) {
      const outcome = error instanceof ApplicationFailure && error.nonRetryable ? 'rejected' : 'retryable_error';
      metrics.sesSends.inc({ outcome });
      logger.warn({ orgId, emailId, err: error, outcome }, 'SES send failed');
      throw error;
    }
    metrics.sesSends.inc({ outcome: 'sent' });

    // SES has the message: ride out a database blip here, since a retried activity would send it again.
    await retryWhileDatabaseUnavailable(
      () =>
        recordEmailSent(db, orgId, emailId, sesMessageId, [
          ...skippedEntries,
          // The recipients SES took (suppressed ones left out): what it bills, and Books is told.
          { type: 'sent', detail: { ses_message_id: sesMessageId, recipients: content.to.length + content.cc.length + content.bcc.length } },
        ]),
      RECORD_SENT_PATIENCE_MS,
    );
    logger.info({ orgId, emailId, sesMessageId, suppressedRecipients: skipped.size }, 'email sent');
    return sentOutcome(
      orgId,
      emailId,
      sesMessageId,
      email.recipients.filter((address) => !skipped.has(address)),
    );
  }

  return {
    /**
     * Loads the stored message, sends it through SES and records `sent` with SES's
     * message id. A message that already has one is not sent again, so a retried
     * activity or a replayed workflow never sends twice. It is loaded once the worker's
     * send budget has room for its stored size.
     */
    async sendEmailViaSes(ref: SendEmailRef): Promise<SendOutcome> {
      return withinSendBudget(ref, () => sendStoredEmail(ref, waitForSendSlot));
    },

    /**
     * Sends at once, as a local activity inside the workflow's own task, when no send waits
     * for the rate: the schedule's next slot starts now and is taken here. Then the email
     * costs Temporal no activity task and no second workflow task (about half of what it
     * costs the server otherwise). When sends are queued, it answers `queued` and the email
     * waits its turn on the SES queue like them (by priority, fairly between organizations);
     * so do messages larger than SEND_AT_ONCE_MAX_BYTES, and runs started without their size.
     */
    async sendEmailAtOnceIfIdle(ref: SendEmailRef): Promise<SendAtOnceOutcome> {
      if (ref.contentBytes === undefined || ref.contentBytes > SEND_AT_ONCE_MAX_BYTES) return { outcome: 'queued' };
      if (!(await claimIdleSendSlot(db, sesPacing.queue, sendInterval))) return { outcome: 'queued' };
      metrics.sesSendsAtOnce.inc();
      const slotTakenAbove = async () => {};
      return withinSendBudget(ref, () => sendStoredEmail(ref, slotTakenAbove));
    },

    async recordEmailFailed({ orgId, emailId, reason }: EmailRef & { reason: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (await markEmailFailed(trx, orgId, emailId, reason)) {
          await insertEmailEvent(trx, { orgId, emailId, type: 'failed', detail: { reason } });
        }
      });
      logger.warn({ orgId, emailId, reason }, 'email failed');
    },

    async recordEmailReplayed({ orgId, emailId, replayOfRunId }: EmailRef & { replayOfRunId: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (await requeueFailedEmail(trx, orgId, emailId)) {
          await insertEmailEvent(trx, { orgId, emailId, type: 'replayed', detail: { replay_of_run_id: replayOfRunId } });
        }
      });
    },

    /**
     * Applies one stored SES event to the message it names: status (forward only),
     * timeline, suppressions. Runs once per notification even when retried: the
     * notification row is locked and marked processed in the same transaction.
     */
    async applySesNotification({ snsMessageId }: { snsMessageId: string }): Promise<AppliedSesEvent> {
      return db.transaction().execute(async (trx) => {
        // Locked: a concurrent retry waits and then sees processed_at.
        const notification = await findSnsMessage(trx, snsMessageId, { forUpdate: true });
        if (!notification) throw ApplicationFailure.nonRetryable(`no SNS notification ${snsMessageId}`, 'NotificationNotFound');
        // A redelivery after retention emptied the payload: the event was applied long ago
        // and its row keeps the match (parsing the empty payload would erase it).
        if (notification.processed_at && notification.content_purged_at) {
          const { org_id: orgId, email_id: emailId } = notification;
          return { matched: orgId && emailId ? { orgId, emailId } : null, eventType: notification.event_type, busEvents: [] };
        }
        const sns = notification.payload as unknown as SnsMessage;
        const record = parseSesEvent(sns.Message);
        if (!record) {
          await markSnsMessageProcessed(trx, snsMessageId, undefined);
          return { matched: null, eventType: notification.event_type, busEvents: [] };
        }
        const effects = interpretSesEvent(record);
        const match = await correlate(trx, effects);
        if (!match) {
          await markSnsMessageProcessed(trx, snsMessageId, undefined);
          logger.warn({ snsMessageId, sesMessageId: effects.sesMessageId, eventType: effects.eventType }, 'SES event for an unknown message kept');
          return { matched: null, eventType: effects.eventType, busEvents: [] };
        }
        metrics.emailOutcomes.inc({ event: effects.eventType });
        const { orgId, emailId } = match;
        const occurredAt = toDate(effects.timeline[0]?.occurredAt) ?? notification.received_at;
        const busEvents = effects.bus.map((event) => ({
          id: busEventId(event.type, snsMessageId),
          type: event.type,
          occurred_at: occurredAt.toISOString(),
          org_id: orgId,
          data: { email_id: emailId, ses_message_id: effects.sesMessageId, ...event.data },
        }));
        if (notification.processed_at) return { matched: match, eventType: effects.eventType, busEvents };

        await fillSesMessageId(trx, orgId, emailId, effects.sesMessageId);
        if (effects.status) {
          await advanceEmailStatus(trx, orgId, emailId, effects.status, statusesBelow(effects.status), effects.failureReason);
        }
        await insertEmailEvents(
          trx,
          effects.timeline.map((entry) => ({
            orgId,
            emailId,
            type: entry.type,
            recipient: entry.recipient,
            detail: entry.detail,
            occurredAt: toDate(entry.occurredAt),
            snsMessageId,
          })),
        );
        for (const entry of effects.suppress) {
          await suppressAddress(trx, { orgId, address: entry.address, reason: entry.reason, sourceEmailId: emailId, detail: entry.detail });
        }
        await markSnsMessageProcessed(trx, snsMessageId, match);
        logger.info({ orgId, emailId, snsMessageId, eventType: effects.eventType }, 'SES event applied');
        return { matched: match, eventType: effects.eventType, busEvents };
      });
    },

    /**
     * The organization's permanent-bounce rate over the rolling window. Past the
     * threshold (with enough sends to mean something), returns one alert per window:
     * the alert row is claimed only when the previous one is older than the window.
     */
    async checkBounceRate({ orgId }: { orgId: string }): Promise<BusEvent | null> {
      const counts = await countRecentSendsAndBounces(db, orgId, bounceAlert.windowHours);
      const sends = Number(counts.sends);
      const bounces = Number(counts.bounces);
      const rate = sends === 0 ? 0 : bounces / sends;
      if (sends < bounceAlert.minSends || rate <= bounceAlert.threshold) return null;

      const claimed = await claimBounceRateAlert(db, orgId, rate, bounceAlert.windowHours);
      if (!claimed) return null;
      logger.warn({ orgId, bounceRate: rate, sends, bounces }, 'bounce rate above threshold');
      return {
        id: busEventId('relay.alert.bounce_rate', orgId, claimed.alerted_at.toISOString()),
        type: 'relay.alert.bounce_rate',
        occurred_at: claimed.alerted_at.toISOString(),
        org_id: orgId,
        data: { bounce_rate: rate, bounces, sends, window_hours: bounceAlert.windowHours, threshold: bounceAlert.threshold },
      };
    },
  };
}

export type EmailActivities = ReturnType<typeof createEmailActivities>;

/** The activities that run on the rate-limited SES task queue. */
export const SES_ACTIVITY_NAMES = ['sendEmailViaSes'] as const satisfies readonly (keyof EmailActivities)[];
