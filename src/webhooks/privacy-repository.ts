import { sql } from 'kysely';
import type { DataSubject } from '../db/data-subject.js';
import type { DbOrTrx } from '../db/database.js';

// Privacy requests (commerce/gdpr.ts orchestrates; docs/security.md): the outgoing
// webhook events about the subject, and what receivers answered to them.

/** The organization's events naming the subject: its customers, tickets, addresses or inbound mail. */
function eventsAbout(db: DbOrTrx, subject: DataSubject) {
  const { orgId, customerIds, ticketIds, emails, phones, inboundIds } = subject;
  const field = (name: string) => sql<string>`payload->'data'->>${name}`;
  const contacts = [...emails, ...phones];
  return db
    .selectFrom('webhook_events')
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        ...(customerIds.length ? [eb(field('customerId'), 'in', customerIds)] : []),
        ...(ticketIds.length ? [eb(field('ticketId'), 'in', ticketIds)] : []),
        ...(inboundIds.length ? [eb('source_id', 'in', inboundIds)] : []),
        ...(contacts.length
          ? [
              eb(sql<string>`lower(${field('customerEmail')})`, 'in', contacts),
              eb(sql<string>`lower(${field('email')})`, 'in', contacts),
              eb(sql<string>`lower(${field('from')})`, 'in', contacts),
              eb(field('phone'), 'in', contacts),
            ]
          : []),
        eb.val(false),
      ]),
    );
}

export async function exportWebhookData(db: DbOrTrx, subject: DataSubject) {
  return { webhook_events: await eventsAbout(db, subject).select(['id', 'type', 'payload', 'created_at']).orderBy('created_at').execute() };
}

/** Each event keeps its type and time (deliveries and their log stay whole) with its data replaced; receivers' answers to it are dropped. */
export async function redactWebhookData(db: DbOrTrx, subject: DataSubject): Promise<void> {
  const ids = (await eventsAbout(db, subject).select('id').execute()).map((row) => row.id);
  if (ids.length === 0) return;
  await db
    .updateTable('webhook_events')
    .set({ payload: sql`jsonb_build_object('event', payload->'event', 'timestamp', payload->'timestamp', 'data', '{"redacted": true}'::jsonb)` })
    .where('id', 'in', ids)
    .execute();
  await db
    .updateTable('webhook_delivery_attempts')
    .set({ response_excerpt: null })
    .where('delivery_id', 'in', db.selectFrom('webhook_deliveries').select('id').where('event_id', 'in', ids))
    .execute();
}
