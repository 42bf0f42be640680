import { sql } from 'kysely';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config.js';
import type { Db, DbOrTrx } from '../db/database.js';
import { advanceEmailStatus, findEmail, findEmailOwnerBySesMessageId, insertEmailEvents } from './repository.js';
import { findSesNotification, markSesNotificationProcessed } from '../sns/repository.js';
import { suppressAddress } from './suppression-repository.js';
import { interpretSesEvent, parseSesEvent, statusesBelow, type SesEventEffects } from './ses-events.js';
import { busEventId, type BusEvent } from '../integrations/bus.js';
import { ensureSuccess, type HttpClient } from '../integrations/http.js';
import type { Logger } from '../observability/logger.js';
import { isSnsUrl, type SnsMessage } from '../security/sns.js';

export interface SesEventActivityDeps {
  db: Db;
  http: HttpClient;
  logger: Logger;
  bounceAlert: Config['bounceAlert'];
}

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

export function createSesEventActivities({ db, http, logger, bounceAlert }: SesEventActivityDeps) {
  return {
    /**
     * Applies one stored SES event to the message it names: status (forward only),
     * timeline, suppressions. Runs once per notification even when retried: the
     * notification row is locked and marked processed in the same transaction.
     */
    async applySesNotification({ snsMessageId }: { snsMessageId: string }): Promise<AppliedSesEvent> {
      return db.transaction().execute(async (trx) => {
        // Lock first, then read: a concurrent retry waits and then sees processed_at.
        await sql`select 1 from ses_notifications where sns_message_id = ${snsMessageId} for update`.execute(trx);
        const notification = await findSesNotification(trx, snsMessageId);
        if (!notification) throw ApplicationFailure.nonRetryable(`no SNS notification ${snsMessageId}`, 'NotificationNotFound');
        const sns = notification.payload as unknown as SnsMessage;
        const record = parseSesEvent(sns.Message);
        if (!record) {
          await markSesNotificationProcessed(trx, snsMessageId, undefined);
          return { matched: null, eventType: notification.event_type, busEvents: [] };
        }
        const effects = interpretSesEvent(record);
        const match = await correlate(trx, effects);
        if (!match) {
          await markSesNotificationProcessed(trx, snsMessageId, undefined);
          logger.warn({ snsMessageId, sesMessageId: effects.sesMessageId, eventType: effects.eventType }, 'SES event for an unknown message kept');
          return { matched: null, eventType: effects.eventType, busEvents: [] };
        }
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

        await trx.updateTable('emails').set({ ses_message_id: effects.sesMessageId }).where('org_id', '=', orgId).where('id', '=', emailId).where('ses_message_id', 'is', null).execute();
        if (effects.status) {
          await advanceEmailStatus(trx, orgId, emailId, effects.status, statusesBelow(effects.status), effects.failureReason);
        }
        await insertEmailEvents(
          trx,
          effects.timeline.map((entry) => ({ orgId, emailId, type: entry.type, recipient: entry.recipient, detail: entry.detail, occurredAt: toDate(entry.occurredAt), snsMessageId })),
        );
        for (const entry of effects.suppress) {
          await suppressAddress(trx, { orgId, address: entry.address, reason: entry.reason, sourceEmailId: emailId, detail: entry.detail });
        }
        await markSesNotificationProcessed(trx, snsMessageId, match);
        logger.info({ orgId, emailId, snsMessageId, eventType: effects.eventType }, 'SES event applied');
        return { matched: match, eventType: effects.eventType, busEvents };
      });
    },

    /** Confirms an SNS subscription by visiting its SubscribeURL, which must itself be on an SNS host. */
    async confirmSnsSubscription({ snsMessageId }: { snsMessageId: string }): Promise<void> {
      const notification = await findSesNotification(db, snsMessageId);
      const subscribeUrl = (notification?.payload as { SubscribeURL?: string } | undefined)?.SubscribeURL;
      if (!subscribeUrl || !isSnsUrl(subscribeUrl)) {
        throw ApplicationFailure.nonRetryable(`SNS message ${snsMessageId} has no SNS SubscribeURL`, 'BadSubscribeUrl');
      }
      ensureSuccess(await http.request({ method: 'GET', url: subscribeUrl }), 'SNS SubscribeURL');
      await markSesNotificationProcessed(db, snsMessageId, undefined);
      logger.info({ snsMessageId, topicArn: notification?.topic_arn }, 'SNS subscription confirmed');
    },

    /**
     * The organization's permanent-bounce rate over the rolling window. Past the
     * threshold (with enough sends to mean something), returns one alert per window:
     * the alert row is claimed only when the previous one is older than the window.
     */
    async checkBounceRate({ orgId }: { orgId: string }): Promise<BusEvent | null> {
      const since = sql<Date>`now() - make_interval(hours => ${bounceAlert.windowHours})`;
      const counts = await db
        .selectFrom('email_events')
        .select([
          sql<string>`count(*) filter (where type = 'sent')`.as('sends'),
          sql<string>`count(distinct email_id) filter (where type = 'bounced' and detail->>'bounce_type' = 'Permanent')`.as('bounces'),
        ])
        .where('org_id', '=', orgId)
        .where('occurred_at', '>', since)
        .executeTakeFirstOrThrow();
      const sends = Number(counts.sends);
      const bounces = Number(counts.bounces);
      const rate = sends === 0 ? 0 : bounces / sends;
      if (sends < bounceAlert.minSends || rate <= bounceAlert.threshold) return null;

      const claimed = await db
        .insertInto('bounce_rate_alerts')
        .values({ org_id: orgId, alerted_at: sql<Date>`now()`, bounce_rate: rate })
        .onConflict((oc) =>
          oc.column('org_id').doUpdateSet({ alerted_at: sql`now()`, bounce_rate: rate }).where('bounce_rate_alerts.alerted_at', '<=', since),
        )
        .returning('alerted_at')
        .executeTakeFirst();
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
