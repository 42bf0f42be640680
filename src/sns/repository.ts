import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { SnsMessageRow } from '../db/tables/sns-messages.js';

/** Stores a verified SNS message once; false when its SNS message id was seen before. */
export async function insertSnsMessage(
  db: DbOrTrx,
  message: { snsMessageId: string; topicArn: string; eventType: string; sesMessageId: string | null; payload: unknown },
): Promise<boolean> {
  const result = await db
    .insertInto('sns_messages')
    .values({
      sns_message_id: message.snsMessageId,
      topic_arn: message.topicArn,
      event_type: message.eventType,
      ses_message_id: message.sesMessageId,
      org_id: null,
      email_id: null,
      payload: JSON.stringify(message.payload),
      processed_at: null,
    })
    .onConflict((oc) => oc.column('sns_message_id').doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function findSnsMessage(db: DbOrTrx, snsMessageId: string, options: { forUpdate?: boolean } = {}): Promise<SnsMessageRow | undefined> {
  const query = db.selectFrom('sns_messages').selectAll().where('sns_message_id', '=', snsMessageId);
  return (options.forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

/** Marks a message processed, with the email an SES event was about (if any). */
export async function markSnsMessageProcessed(db: DbOrTrx, snsMessageId: string, match: { orgId: string; emailId: string } | undefined): Promise<void> {
  await db
    .updateTable('sns_messages')
    .set({ processed_at: sql`now()`, org_id: match?.orgId ?? null, email_id: match?.emailId ?? null })
    .where('sns_message_id', '=', snsMessageId)
    .execute();
}

/** SES events that matched no email Relay sent: kept, newest first, for operators. */
export async function listUnmatchedSnsMessages(db: DbOrTrx, limit: number): Promise<SnsMessageRow[]> {
  return db
    .selectFrom('sns_messages')
    .selectAll()
    .where('email_id', 'is', null)
    .where('processed_at', 'is not', null)
    .orderBy('received_at', 'desc')
    .limit(limit)
    .execute();
}

/** Messages stored before `before` and not processed yet (SES events, subscription confirmations), oldest first: for the sweep. */
export async function listUnprocessedSnsMessages(db: DbOrTrx, before: Date, limit: number): Promise<{ sns_message_id: string; event_type: string }[]> {
  return db
    .selectFrom('sns_messages')
    .select(['sns_message_id', 'event_type'])
    .where('processed_at', 'is', null)
    .where('received_at', '<', before)
    .orderBy('received_at')
    .limit(limit)
    .execute();
}

/** A privacy redaction: the SES events about these emails keep their row (dedupe, status), not the addresses and headers they carry. */
export async function redactSnsMessagesOfEmails(db: DbOrTrx, orgId: string, emailIds: string[]): Promise<void> {
  if (emailIds.length === 0) return;
  await db.updateTable('sns_messages').set({ payload: '{}' }).where('org_id', '=', orgId).where('email_id', 'in', emailIds).execute();
}
