import { sql } from 'kysely';
import type { DataSubject } from '../db/data-subject.js';
import { REDACTED } from '../db/data-subject.js';
import type { DbOrTrx } from '../db/database.js';

// Privacy requests (commerce/gdpr.ts orchestrates; docs/security.md): the subject's
// channel messages (SMS, WhatsApp, Messenger, Dialpad, Slack) and Dialpad calls.

/** Senders are E.164 numbers, or the same digits without "+" (WhatsApp's wa_id). */
const senderForms = (phones: string[]) => phones.flatMap((phone) => [phone, phone.replace(/^\+/, '')]);

function messagesOf(db: DbOrTrx, subject: DataSubject) {
  const senders = senderForms(subject.phones);
  return db
    .selectFrom('channel_messages')
    .where('org_id', '=', subject.orgId)
    .where((eb) =>
      eb.or([
        ...(subject.ticketIds.length ? [eb('ticket_id', 'in', subject.ticketIds)] : []),
        ...(senders.length ? [eb('sender', 'in', senders)] : []),
        eb.val(false),
      ]),
    );
}

/** The subject's calls: in its tickets, or from its numbers (one predicate for reading and erasing them). */
function callOfSubject(subject: DataSubject) {
  const inTickets = subject.ticketIds.length ? sql<boolean>`ticket_id in (${sql.join(subject.ticketIds)})` : sql<boolean>`false`;
  const fromPhones = subject.phones.length ? sql<boolean>`caller in (${sql.join(subject.phones)})` : sql<boolean>`false`;
  return sql<boolean>`(${inTickets} or ${fromPhones})`;
}

export async function exportChannelData(db: DbOrTrx, subject: DataSubject) {
  return {
    channel_messages: await messagesOf(db, subject)
      .select(['id', 'type', 'kind', 'sender', 'sender_name', 'body', 'payload', 'received_at'])
      .orderBy('received_at')
      .execute(),
    dialpad_calls: await db
      .selectFrom('dialpad_calls')
      .select(['call_id', 'states', 'caller', 'voicemail_url', 'transcription', 'updated_at'])
      .where('org_id', '=', subject.orgId)
      .where(callOfSubject(subject))
      .execute(),
  };
}

/** Messages and calls keep their row (dedupe, ticket, time) without who sent them or what they said. */
export async function redactChannelData(db: DbOrTrx, subject: DataSubject): Promise<void> {
  const messageIds = (await messagesOf(db, subject).select('id').execute()).map((row) => row.id);
  if (messageIds.length) {
    await db
      .updateTable('channel_messages')
      .set({ body: null, sender: REDACTED, sender_name: null, thread_key: sql`'redacted:' || id`, payload: '{}' })
      .where('id', 'in', messageIds)
      .execute();
  }
  await db
    .updateTable('dialpad_calls')
    .set({ caller: null, voicemail_url: null, transcription: null })
    .where('org_id', '=', subject.orgId)
    .where(callOfSubject(subject))
    .execute();
}
