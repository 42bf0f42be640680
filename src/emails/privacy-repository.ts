import { sql } from 'kysely';
import type { DataSubject } from '../db/data-subject.js';
import { REDACTED } from '../db/data-subject.js';
import type { DbOrTrx } from '../db/database.js';
import type { EmailContent } from '../db/tables/emails.js';

// Privacy requests (commerce/gdpr.ts orchestrates; docs/security.md): the mail an
// organization sent to the subject, its timeline, and the subject's suppression entry.

/** The organization's emails with one of the subject's addresses among their recipients. */
function sentToSubject(db: DbOrTrx, subject: DataSubject) {
  return db
    .selectFrom('emails')
    .where('org_id', '=', subject.orgId)
    .where(sql<boolean>`recipients && ${sql.val(subject.emails)}::text[]`);
}

export async function exportEmailData(db: DbOrTrx, subject: DataSubject) {
  if (subject.emails.length === 0) return { sent_emails: [], email_events: [], suppressions: [] };
  const emails = await sentToSubject(db, subject).select(['id', 'status', 'content', 'tags', 'metadata', 'created_at']).orderBy('created_at').execute();
  const ids = emails.map((email) => email.id);
  const events = await db
    .selectFrom('email_events')
    .select(['email_id', 'type', 'recipient', 'detail', 'occurred_at'])
    .where('org_id', '=', subject.orgId)
    .where((eb) => eb.or([...(ids.length ? [eb('email_id', 'in', ids)] : []), eb('recipient', 'in', subject.emails)]))
    .orderBy('occurred_at')
    .execute();
  const suppressions = await db
    .selectFrom('suppressions')
    .select(['address', 'reason', 'created_at'])
    .where('org_id', '=', subject.orgId)
    .where('address', 'in', subject.emails)
    .execute();
  return { sent_emails: emails, email_events: events, suppressions };
}

/**
 * Erases the mail sent to the subject (addresses, subject, bodies, headers and attachments;
 * the row keeps its status and dates for the organization's counts) and its timeline's
 * recipients and details. A suppression keeps its address, and only that: dropping it
 * would mail someone who complained or bounced again (docs/security.md). Returns the ids
 * of the emails, whose provider events other capabilities keep.
 */
export async function redactEmailData(db: DbOrTrx, subject: DataSubject): Promise<{ emailIds: string[] }> {
  if (subject.emails.length === 0) return { emailIds: [] };
  const emails = await sentToSubject(db, subject).select(['id', 'content']).execute();
  for (const email of emails) {
    const content: EmailContent = {
      from: email.content.from,
      to: [],
      cc: [],
      bcc: [],
      reply_to: [],
      subject: REDACTED,
      html: null,
      text: null,
      headers: {},
      attachments: [],
    };
    await db
      .updateTable('emails')
      .set({ content: JSON.stringify(content), subject: REDACTED, recipients: [], updated_at: sql`now()` })
      .where('org_id', '=', subject.orgId)
      .where('id', '=', email.id)
      .execute();
  }
  const emailIds = emails.map((email) => email.id);
  await db
    .updateTable('email_events')
    .set({ recipient: null, detail: '{}' })
    .where('org_id', '=', subject.orgId)
    .where((eb) => eb.or([...(emailIds.length ? [eb('email_id', 'in', emailIds)] : []), eb('recipient', 'in', subject.emails)]))
    .execute();
  await db.updateTable('suppressions').set({ detail: '{}' }).where('org_id', '=', subject.orgId).where('address', 'in', subject.emails).execute();
  return { emailIds };
}
