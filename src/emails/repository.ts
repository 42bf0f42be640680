import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { DbOrTrx } from '../db/database.js';
import type { EmailEvent, EmailEventType } from '../db/tables/email-events.js';
import type { Email, EmailContent, EmailStatus, SendPriority } from '../db/tables/emails.js';
import type { Suppression } from '../db/tables/suppressions.js';
import { isUuid } from '../db/uuid.js';

export interface NewEmailRecord {
  id: string;
  orgId: string;
  content: EmailContent;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  priority?: SendPriority;
}

/**
 * Stores the email and its `queued` timeline entry in one statement (one round trip,
 * atomic). Returns the stored content's size as JSON, which its send budgets memory by.
 */
export async function insertEmail(db: DbOrTrx, email: NewEmailRecord): Promise<{ contentBytes: number }> {
  const { content } = email;
  const recipients = [...content.to, ...content.cc, ...content.bcc].map(addressOf);
  const contentJson = JSON.stringify(content);
  await db
    .with('inserted', (qb) =>
      qb
        .insertInto('emails')
        .values({
          id: email.id,
          org_id: email.orgId,
          recipients,
          subject: content.subject,
          content: contentJson,
          tags: JSON.stringify(email.tags),
          metadata: JSON.stringify(email.metadata),
          ses_message_id: null,
          failure_reason: null,
          ...(email.priority ? { priority: email.priority } : {}),
        })
        .returning(['id', 'org_id']),
    )
    .insertInto('email_events')
    .columns(['org_id', 'email_id', 'type'])
    .expression((qb) => qb.selectFrom('inserted').select(['org_id', 'id', sql.lit('queued').as('type')]))
    .execute();
  return { contentBytes: Buffer.byteLength(contentJson) };
}

export async function findEmail(db: DbOrTrx, orgId: string, id: string): Promise<Email | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('emails').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** A stored email with the suppression-list entries of its recipients, as a send reads them. */
export type EmailToSend = Email & { suppressed: Pick<Suppression, 'address' | 'reason' | 'source_email_id' | 'created_at'>[] };

/** The email and which of its recipients are suppressed, in one round trip. */
export async function findEmailToSend(db: DbOrTrx, orgId: string, id: string): Promise<EmailToSend | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom('emails')
    .selectAll('emails')
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('suppressions')
          .select(['address', 'reason', 'source_email_id', 'created_at'])
          .whereRef('suppressions.org_id', '=', 'emails.org_id')
          // Recipients are stored as bare lower-case addresses, as suppressions are.
          .where(sql<boolean>`suppressions.address = any(emails.recipients)`),
      ).as('suppressed'),
    )
    .where('emails.org_id', '=', orgId)
    .where('emails.id', '=', id)
    .executeTakeFirst();
  // JSON carries the timestamps as text.
  return row && { ...row, suppressed: row.suppressed.map((entry) => ({ ...entry, created_at: new Date(entry.created_at) })) };
}

/** The stored message's size as JSON text, read without loading it (what a send will hold in memory scales with it). */
export async function storedContentBytes(db: DbOrTrx, orgId: string, id: string): Promise<number | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom('emails')
    .select(sql<number>`octet_length(content::text)`.as('bytes'))
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? Number(row.bytes) : undefined;
}

export interface EmailListFilter {
  status?: EmailStatus;
  to?: string;
  /** Part of any recipient's address (at least 3 characters: the trigram index needs them). */
  recipientContains?: string;
  /** Part of the subject, any case (at least 3 characters). */
  subjectContains?: string;
  /** `name` (tag present) or `name:value` */
  tag?: string;
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  before?: Date;
  limit: number;
  /** Exclusive keyset position (created_at, id): rows strictly older than this one. */
  after?: { at: Date; id: string };
}

/** `%text%` for LIKE, with LIKE's own characters taken literally. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A listed email: everything but its bodies and attachments, which can be megabytes each. */
export type EmailListRow = Omit<Email, 'content'> & { content: Pick<EmailContent, 'from' | 'to' | 'cc' | 'bcc'> };

export async function listEmails(db: DbOrTrx, orgId: string, filter: EmailListFilter): Promise<EmailListRow[]> {
  let query = db
    .selectFrom('emails')
    .select([
      'id',
      'org_id',
      'status',
      'priority',
      'recipients',
      'subject',
      sql<EmailListRow['content']>`jsonb_build_object('from', content->'from', 'to', content->'to', 'cc', content->'cc', 'bcc', content->'bcc')`.as('content'),
      'tags',
      'metadata',
      'ses_message_id',
      'failure_reason',
      'content_purged_at',
      'created_at',
      'updated_at',
    ])
    .where('org_id', '=', orgId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.to) query = query.where(sql<boolean>`recipients @> array[${filter.to.toLowerCase()}]::text[]`);
  // The same expression as the emails_recipients_search_idx index, so the index serves it.
  if (filter.recipientContains)
    query = query.where(sql<boolean>`relay_email_recipients_text(recipients) like ${containing(filter.recipientContains.toLowerCase())}`);
  if (filter.subjectContains) query = query.where('subject', 'ilike', containing(filter.subjectContains));
  if (filter.tag) {
    const separator = filter.tag.indexOf(':');
    query =
      separator < 0
        ? query.where(sql<boolean>`tags ? ${filter.tag}`)
        : query.where(sql<boolean>`tags @> ${JSON.stringify({ [filter.tag.slice(0, separator)]: filter.tag.slice(separator + 1) })}::jsonb`);
  }
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.before) query = query.where('created_at', '<', filter.before);
  if (filter.after) query = query.where(sql<boolean>`(created_at, id) < (${filter.after.at}, ${filter.after.id}::uuid)`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/** How many of the organization's emails created since `since` are in each status. */
export async function countEmailsByStatus(db: DbOrTrx, orgId: string, since: Date): Promise<Partial<Record<EmailStatus, number>>> {
  const rows = await db
    .selectFrom('emails')
    .select(['status', sql<string>`count(*)`.as('count')])
    .where('org_id', '=', orgId)
    .where('created_at', '>=', since)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

/** Emails SES accepted per hour since `since` (hours without a send are absent). */
export async function countSendsPerHour(db: DbOrTrx, orgId: string, since: Date): Promise<{ hour: Date; sends: number }[]> {
  const rows = await db
    .selectFrom('email_events')
    .select([sql<Date>`date_trunc('hour', occurred_at, 'UTC')`.as('hour'), sql<string>`count(*)`.as('sends')])
    .where('org_id', '=', orgId)
    .where('occurred_at', '>=', since)
    .where('type', '=', 'sent')
    .groupBy(sql`1`)
    .execute();
  return rows.map((row) => ({ hour: row.hour, sends: Number(row.sends) }));
}

export async function listEmailEvents(db: DbOrTrx, orgId: string, emailId: string): Promise<EmailEvent[]> {
  return db.selectFrom('email_events').selectAll().where('org_id', '=', orgId).where('email_id', '=', emailId).orderBy('occurred_at').orderBy('id').execute();
}

export interface NewTimelineEntry {
  orgId: string;
  emailId: string;
  type: EmailEventType;
  recipient?: string | null;
  detail?: Record<string, unknown>;
  /** When it happened, if not now (SES events carry their own time). */
  occurredAt?: Date;
  snsMessageId?: string;
}

export async function insertEmailEvent(db: DbOrTrx, event: NewTimelineEntry): Promise<void> {
  await insertEmailEvents(db, [event]);
}

export async function insertEmailEvents(db: DbOrTrx, events: NewTimelineEntry[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('email_events')
    .values(
      events.map((event) => ({
        org_id: event.orgId,
        email_id: event.emailId,
        type: event.type,
        recipient: event.recipient ?? null,
        detail: JSON.stringify(event.detail ?? {}),
        sns_message_id: event.snsMessageId ?? null,
        ...(event.occurredAt ? { occurred_at: event.occurredAt } : {}),
      })),
    )
    .execute();
}

/**
 * Moves a message to `status` only from a status that ranks below it, so events
 * arriving in any order end in the same place (a late Delivery never undoes a Bounce).
 */
export async function advanceEmailStatus(
  db: DbOrTrx,
  orgId: string,
  id: string,
  status: EmailStatus,
  from: readonly EmailStatus[],
  failureReason?: string,
): Promise<boolean> {
  if (from.length === 0) return false;
  const result = await db
    .updateTable('emails')
    .set({ status, updated_at: sql`now()`, ...(failureReason ? { failure_reason: failureReason } : {}) })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * The one lookup across organizations: which org and email an SES message id belongs
 * to, for SES events that do not carry Relay's tags.
 */
export async function findEmailOwnerBySesMessageId(db: DbOrTrx, sesMessageId: string): Promise<{ orgId: string; emailId: string } | undefined> {
  const row = await db.selectFrom('emails').select(['org_id', 'id']).where('ses_message_id', '=', sesMessageId).executeTakeFirst();
  return row ? { orgId: row.org_id, emailId: row.id } : undefined;
}

/**
 * Records SES's acceptance with its timeline entries, in one statement (one round trip,
 * atomic). Only a queued message moves to sent, and only then are the entries added, so
 * a retried activity or a late duplicate never rewinds a status the Lifecycle events set
 * nor repeats an entry. True when it moved.
 */
export async function recordEmailSent(
  db: DbOrTrx,
  orgId: string,
  id: string,
  sesMessageId: string,
  entries: Pick<NewTimelineEntry, 'type' | 'recipient' | 'detail'>[],
): Promise<boolean> {
  const timeline = entries.map((entry) => ({ type: entry.type, recipient: entry.recipient ?? null, detail: entry.detail ?? {} }));
  const inserted = await db
    .with('marked', (qb) =>
      qb
        .updateTable('emails')
        .set({ status: 'sent', ses_message_id: sesMessageId, failure_reason: null, updated_at: sql`now()` })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .returning(['org_id', 'id']),
    )
    .insertInto('email_events')
    .columns(['org_id', 'email_id', 'type', 'recipient', 'detail'])
    .expression((qb) =>
      qb
        .selectFrom(['marked', sql<{ entry: unknown }>`jsonb_array_elements(${JSON.stringify(timeline)}::jsonb)`.as('entry')])
        .select([
          'marked.org_id',
          'marked.id',
          sql<EmailEventType>`entry->>'type'`.as('type'),
          sql<string | null>`entry->>'recipient'`.as('recipient'),
          sql<string>`entry->'detail'`.as('detail'),
        ]),
    )
    .returning('email_events.id')
    .execute();
  return inserted.length > 0;
}

export async function markEmailFailed(db: DbOrTrx, orgId: string, id: string, reason: string): Promise<boolean> {
  const result = await db
    .updateTable('emails')
    .set({ status: 'failed', failure_reason: reason, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A replay puts a failed message back in the queue; any other status stays as it is. */
export async function requeueFailedEmail(db: DbOrTrx, orgId: string, id: string): Promise<boolean> {
  const result = await db
    .updateTable('emails')
    .set({ status: 'queued', failure_reason: null, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The bare address of `Name <addr@host>` or `addr@host`, lower-cased. */
export function addressOf(mailbox: string): string {
  const match = /<([^<>]+)>\s*$/.exec(mailbox);
  return (match?.[1] ?? mailbox).trim().toLowerCase();
}

/** The helpdesk ticket number Relay put in the metadata of an email it sent (replies thread back to it). */
export async function findTicketNumberOfSentEmail(db: DbOrTrx, orgId: string, sesMessageId: string): Promise<number | undefined> {
  const sent = await db
    .selectFrom('emails')
    .select(sql<string | null>`metadata->>'ticket_number'`.as('ticket_number'))
    .where('org_id', '=', orgId)
    .where('ses_message_id', '=', sesMessageId)
    .executeTakeFirst();
  return sent?.ticket_number && /^\d+$/.test(sent.ticket_number) ? Number(sent.ticket_number) : undefined;
}

/** Queued emails stored before `before`, oldest first: candidates for the stranded-email sweep. */
export async function listQueuedEmailsOlderThan(db: DbOrTrx, before: Date, limit: number): Promise<{ id: string; org_id: string; priority: SendPriority }[]> {
  return db
    .selectFrom('emails')
    .select(['id', 'org_id', 'priority'])
    .where('status', '=', 'queued')
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** An SES event can arrive before Relay recorded the send: the event's SES id fills the gap. */
export async function fillSesMessageId(db: DbOrTrx, orgId: string, emailId: string, sesMessageId: string): Promise<void> {
  await db
    .updateTable('emails')
    .set({ ses_message_id: sesMessageId })
    .where('org_id', '=', orgId)
    .where('id', '=', emailId)
    .where('ses_message_id', 'is', null)
    .execute();
}

/** Sends and permanently bounced emails of an organization within the last `windowHours`. */
export async function countRecentSendsAndBounces(db: DbOrTrx, orgId: string, windowHours: number): Promise<{ sends: string; bounces: string }> {
  return db
    .selectFrom('email_events')
    .select([
      sql<string>`count(*) filter (where type = 'sent')`.as('sends'),
      sql<string>`count(distinct email_id) filter (where type = 'bounced' and detail->>'bounce_type' = 'Permanent')`.as('bounces'),
    ])
    .where('org_id', '=', orgId)
    .where('occurred_at', '>', sql<Date>`now() - make_interval(hours => ${windowHours})`)
    .executeTakeFirstOrThrow();
}

/**
 * Claims the organization's bounce-rate alert: only when the previous one is older than
 * the window, so at most one alert goes out per window. Undefined when not claimed.
 */
export async function claimBounceRateAlert(db: DbOrTrx, orgId: string, rate: number, windowHours: number): Promise<{ alerted_at: Date } | undefined> {
  const since = sql<Date>`now() - make_interval(hours => ${windowHours})`;
  return db
    .insertInto('bounce_rate_alerts')
    .values({ org_id: orgId, alerted_at: sql<Date>`now()`, bounce_rate: rate })
    .onConflict((oc) =>
      oc
        .column('org_id')
        .doUpdateSet({ alerted_at: sql`now()`, bounce_rate: rate })
        .where('bounce_rate_alerts.alerted_at', '<=', since),
    )
    .returning('alerted_at')
    .executeTakeFirst();
}

/** Status and SES id of each of these emails of the organization (a conversation shows its replies' progress). */
export async function listEmailStatuses(
  db: DbOrTrx,
  orgId: string,
  ids: string[],
): Promise<Map<string, { status: EmailStatus; sesMessageId: string | null; failureReason: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('emails')
    .select(['id', 'status', 'ses_message_id', 'failure_reason'])
    .where('org_id', '=', orgId)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.id, { status: row.status, sesMessageId: row.ses_message_id, failureReason: row.failure_reason }]));
}
