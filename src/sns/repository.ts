import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { SesNotification } from '../db/tables/lifecycle.js';

/** Stores a verified notification once; false when its SNS message id was seen before. */
export async function insertSesNotification(
  db: DbOrTrx,
  notification: { snsMessageId: string; topicArn: string; eventType: string; sesMessageId: string | null; payload: unknown },
): Promise<boolean> {
  const result = await db
    .insertInto('ses_notifications')
    .values({
      sns_message_id: notification.snsMessageId,
      topic_arn: notification.topicArn,
      event_type: notification.eventType,
      ses_message_id: notification.sesMessageId,
      org_id: null,
      email_id: null,
      payload: JSON.stringify(notification.payload),
      processed_at: null,
    })
    .onConflict((oc) => oc.column('sns_message_id').doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function findSesNotification(db: DbOrTrx, snsMessageId: string): Promise<SesNotification | undefined> {
  return db.selectFrom('ses_notifications').selectAll().where('sns_message_id', '=', snsMessageId).executeTakeFirst();
}

export async function markSesNotificationProcessed(
  db: DbOrTrx,
  snsMessageId: string,
  match: { orgId: string; emailId: string } | undefined,
): Promise<void> {
  await db
    .updateTable('ses_notifications')
    .set({ processed_at: sql`now()`, org_id: match?.orgId ?? null, email_id: match?.emailId ?? null })
    .where('sns_message_id', '=', snsMessageId)
    .execute();
}

/** Notifications that matched no email Relay sent: kept, newest first, for operators. */
export async function listUnmatchedSesNotifications(db: DbOrTrx, limit: number): Promise<SesNotification[]> {
  return db
    .selectFrom('ses_notifications')
    .selectAll()
    .where('email_id', 'is', null)
    .where('processed_at', 'is not', null)
    .orderBy('received_at', 'desc')
    .limit(limit)
    .execute();
}
