import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Db, DbOrTrx } from '../db/database.js';
import type { Ticket } from '../db/tables/helpdesk.js';
import { findEmail, findEmailOwnerBySesMessageId, findTicketNumberOfSentEmail, insertEmailEvents } from '../emails/index.js';
import { findTicketByMessageIds, findTicketByNumber, findTicketOfInbound, isTicketParticipant, threadMessage } from '../helpdesk/index.js';
import { confirmAddressByMail } from './address-activities.js';
import {
  addRoutingAttempt,
  findSupportAddressOwner,
  getInbound,
  listInboundAttachmentContents,
  claimInboundDelivery,
  saveParsedInbound,
  updateInbound,
} from './repository.js';
import { webhookEventIdsOf } from '../webhooks/index.js';
import type { InboundClassification } from '../db/tables/inbound.js';
import { classifyInbound, SES_MESSAGE_ID, sesMessageIdsIn, sesMessageIdsOf } from './classify.js';
import type { InboundMessage } from './message.js';
import { normalizeInbound, UnreadableInbound } from './normalize.js';
import { routeInbound, type InboundRoute, type ProductRoute } from './route.js';
import { busEventId, type BusEvent } from '../integrations/bus.js';
import type { ProductsClient } from '../integrations/products.js';
import type { Logger } from '../observability/logger.js';

export interface InboundActivityDeps {
  db: Db;
  products: ProductsClient;
  logger: Logger;
  inboundDomain: string;
}

export interface PreparedInbound {
  classification: InboundClassification;
  route: InboundRoute;
}

/** A report is noted on at most this many of our emails, for at most this many recipients each (the inbound size limit bounds the parsing). */
const MAX_REPORTED_MESSAGES = 10;
const MAX_NOTED_RECIPIENTS = 50;

const TICKET_SUBJECT = /\[Ticket #(\d{1,9})\]/i;
/** Recipients routing considers, and SES message ids a reply's headers are looked up by (each is a query). */
const MAX_ROUTED_RECIPIENTS = 1000;
const MAX_THREADING_SES_IDS = 10;

async function loadParsed(db: Db, inboundId: string) {
  const row = await getInbound(db, inboundId);
  if (!row) throw ApplicationFailure.nonRetryable(`no inbound message ${inboundId}`, 'InboundNotFound');
  if (!row.parsed) throw ApplicationFailure.nonRetryable(`inbound message ${inboundId} is not parsed yet`, 'InboundNotParsed');
  return { message: row.parsed, orgId: row.org_id, receivedAt: row.received_at, provider: row.provider, providerMessageId: row.provider_message_id };
}

/**
 * The message as its recipients read it — addresses, subject, bodies, its ids and its
 * attachments' bytes — without the headers each delivery adds (Received, Delivered-To):
 * the same message posted once per recipient hashes the same, a forged copy does not.
 */
function messageHash(message: InboundMessage, attachments: { filename: string; content: Buffer }[]): Buffer {
  const { from, to, cc, subject, text, html, messageId, inReplyTo, references, date } = message;
  const files = attachments.map((file) => [file.filename, createHash('sha256').update(file.content).digest('hex')]).sort();
  return createHash('sha256').update(JSON.stringify({ from, to, cc, subject, text, html, messageId, inReplyTo, references, date, files })).digest();
}

/**
 * The ticket a reply continues: by In-Reply-To, References, "[Ticket #n]" in the subject
 * (only when the sender takes part in that ticket), or a Message-ID of mail Relay sent for
 * a ticket, in that order.
 */
async function findTicketForReply(trx: DbOrTrx, orgId: string, message: InboundMessage): Promise<{ ticket: Ticket | undefined; threadedBy: string }> {
  if (message.inReplyTo) {
    const ticket = await findTicketByMessageIds(trx, orgId, [message.inReplyTo]);
    if (ticket) return { ticket, threadedBy: 'in_reply_to' };
  }
  if (message.references.length > 0) {
    const ticket = await findTicketByMessageIds(trx, orgId, message.references);
    if (ticket) return { ticket, threadedBy: 'references' };
  }
  const subjectNumber = TICKET_SUBJECT.exec(message.subject)?.[1];
  if (subjectNumber) {
    const ticket = await findTicketByNumber(trx, orgId, Number(subjectNumber));
    if (ticket && (await isTicketParticipant(trx, orgId, ticket, message.from.address))) return { ticket, threadedBy: 'subject' };
  }
  // In-Reply-To first, then the newest references.
  const sesIds = sesMessageIdsOf([...(message.inReplyTo ? [message.inReplyTo] : []), ...message.references.slice(-MAX_THREADING_SES_IDS).reverse()]);
  for (const sesId of sesIds.slice(0, MAX_THREADING_SES_IDS)) {
    const number = await findTicketNumberOfSentEmail(trx, orgId, sesId);
    const ticket = number === undefined ? undefined : await findTicketByNumber(trx, orgId, number);
    if (ticket) return { ticket, threadedBy: 'message_id' };
  }
  return { ticket: undefined, threadedBy: 'new' };
}

export function createInboundActivities({ db, products, logger, inboundDomain }: InboundActivityDeps) {
  return {
    /**
     * Parses the stored request into one InboundMessage (attachments stored beside it),
     * classifies it and decides its route. Unreadable content is archived, not retried.
     */
    async prepareInbound({ inboundId }: { inboundId: string }): Promise<PreparedInbound | { unreadable: string } | { addressConfirmed: string }> {
      const row = await getInbound(db, inboundId);
      if (!row) throw ApplicationFailure.nonRetryable(`no inbound message ${inboundId}`, 'InboundNotFound');
      let message = row.parsed;
      if (!message) {
        try {
          const normalized = await normalizeInbound(row.provider, row.content_type, row.raw);
          message = normalized.message;
          const parsed = message;
          await db.transaction().execute((trx) => saveParsedInbound(trx, inboundId, parsed, normalized.attachments));
        } catch (error) {
          if (error instanceof UnreadableInbound) return { unreadable: error.message };
          throw error;
        }
      }
      // Relay's own confirmation mail, forwarded back by the address it was sent to.
      const addressConfirmed = await confirmAddressByMail(db, message);
      if (addressConfirmed) return { addressConfirmed };
      // Where the provider really delivered it comes first: mail forwarded from the customer's
      // own address, or a BCC, names the support address in the envelope only. Routing looks at
      // the first recipients only: a header of 100,000 addresses is one query, not a day of retries.
      const recipients = [...new Set([...(message.envelopeTo ?? []), ...message.to, ...message.cc])].slice(0, MAX_ROUTED_RECIPIENTS);
      const owners = await findSupportAddressOwner(db, recipients);
      const route = routeInbound(recipients, inboundDomain, (address) => owners.get(address));
      const ownAddresses = [...owners.keys()];
      const sesIds = [...(message.messageId ?? '').matchAll(SES_MESSAGE_ID)].map((match) => match[1]!);
      const sentIds = new Set<string>();
      for (const id of sesIds) if (await findEmailOwnerBySesMessageId(db, id)) sentIds.add(id);
      const classification = classifyInbound(message, { ownAddresses, sentByRelay: (id) => sentIds.has(id) });
      // org_id is the first organization; every one it is delivered to is in inbound_deliveries.
      await updateInbound(db, inboundId, { classification, route: route.target, orgId: route.target === 'helpdesk' ? route.orgIds[0] : row.org_id });
      return { classification, route };
    },

    /** Hands the message to PSA, CRM or Portal, with an idempotency key so a retry creates nothing twice. */
    async deliverInboundToProduct({ inboundId, route }: { inboundId: string; route: ProductRoute }): Promise<void> {
      const { message, receivedAt } = await loadParsed(db, inboundId);
      const attachments = await listInboundAttachmentContents(db, inboundId);
      try {
        const answer = await products.deliver(
          route,
          {
            source: 'relay',
            inbound_id: inboundId,
            from: message.from,
            to: message.to,
            cc: message.cc,
            subject: message.subject,
            text: message.text,
            html: message.html,
            stripped_text: message.strippedText,
            message_id: message.messageId,
            in_reply_to: message.inReplyTo,
            references: message.references,
            received_at: receivedAt.toISOString(),
            attachments: attachments.map((file) => ({
              filename: file.filename,
              content_type: file.content_type,
              size: file.size,
              content: file.content.toString('base64'),
            })),
          },
          `relay-inbound:${inboundId}`,
        );
        await addRoutingAttempt(db, { inboundId, target: route.target, outcome: 'delivered', detail: { status: answer.status, response: answer.body } });
      } catch (error) {
        await addRoutingAttempt(db, { inboundId, target: route.target, outcome: 'failed', detail: { error: (error as Error).message } });
        throw error;
      }
    },

    /**
     * Threads the message into one organization's helpdesk (called once for each it is
     * addressed to): the customer by email, then the ticket by In-Reply-To, References,
     * "[Ticket #n]" in the subject, or a Message-ID of mail Relay sent for a ticket — in
     * that order — or a new ticket.
     */
    async threadInboundIntoHelpdesk({ inboundId, orgId }: { inboundId: string; orgId: string }) {
      const { message, provider, providerMessageId } = await loadParsed(db, inboundId);
      const hash = messageHash(message, await listInboundAttachmentContents(db, inboundId));
      return db.transaction().execute(async (trx) => {
        // One inbound message threads once per organization, even when the activity is retried.
        const done = await findTicketOfInbound(trx, orgId, inboundId);
        if (done) {
          const eventIds = await webhookEventIdsOf(trx, orgId, inboundId);
          return { delivered: true, ticketId: done.id, ticketNumber: done.number, threadedBy: 'already', eventIds } as const;
        }
        // And one message once per organization, however many requests brought it.
        const claim = await claimInboundDelivery(trx, { inboundId, orgId, provider, providerMessageId, messageHash: hash });
        if (!claim.claimed) return { delivered: false, deliveredWith: claim.deliveredWith } as const;
        const { ticket, threadedBy } = await findTicketForReply(trx, orgId, message);
        const threaded = await threadMessage(trx, {
          orgId,
          customer: { by: 'email', email: message.from.address, name: message.from.name },
          ticket,
          newTicket: { subject: message.subject, channel: 'email' },
          message: {
            direction: 'inbound',
            channel: 'email',
            fromAddress: message.from.address.toLowerCase(),
            subject: message.subject,
            text: message.strippedText ?? message.text,
            html: message.html,
            messageId: message.messageId,
            inboundId,
          },
          sourceId: inboundId,
        });
        logger.info({ orgId, inboundId, ticketId: threaded.ticket.id, threadedBy }, 'inbound email threaded');
        return { delivered: true, ticketId: threaded.ticket.id, ticketNumber: threaded.ticket.number, threadedBy, eventIds: threaded.eventIds } as const;
      });
    },

    /**
     * A delivery-status report received as mail proves nothing (anyone can write one naming
     * a Message-ID Relay sent): it is noted on the email it names, for that email's own
     * recipients only, and never bounces the email or suppresses an address. SES's signed
     * events through SNS do that.
     */
    async noteInboundBounceReport({ inboundId }: { inboundId: string }): Promise<{ noted: number }> {
      const row = await getInbound(db, inboundId);
      if (!row?.parsed) return { noted: 0 };
      const text = `${row.raw.toString('utf8')}\n${row.parsed.text ?? ''}`;
      const permanent = /^Status:\s*5\.\d+\.\d+/im.test(text);
      const reported = new Set([...text.matchAll(/^Final-Recipient:\s*rfc822;\s*(\S+)/gim)].map((match) => match[1]!.toLowerCase()));
      let noted = 0;
      for (const sesId of sesMessageIdsIn(text).slice(0, MAX_REPORTED_MESSAGES)) {
        const owner = await findEmailOwnerBySesMessageId(db, sesId);
        const email = owner && (await findEmail(db, owner.orgId, owner.emailId));
        if (!email) continue;
        const recipients = email.recipients.filter((address) => reported.has(address)).slice(0, MAX_NOTED_RECIPIENTS);
        const detail = { source: 'inbound_dsn', verified: false, inbound_id: inboundId, bounce_type: permanent ? 'Permanent' : 'Transient' };
        await insertEmailEvents(
          db,
          recipients.map((recipient) => ({ ...owner, type: 'bounce_reported' as const, recipient, detail })),
        );
        noted += recipients.length;
      }
      return { noted };
    },

    async archiveInbound({ inboundId, reason, detail }: { inboundId: string; reason: string; detail?: Record<string, unknown> }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await updateInbound(trx, inboundId, { status: 'archived', archiveReason: reason });
        await addRoutingAttempt(trx, { inboundId, target: 'archive', outcome: 'archived', detail: { reason, ...detail } });
      });
      logger.info({ inboundId, reason }, 'inbound message archived');
    },

    /**
     * Marks the message routed or threaded and returns its relay.email.inbound events: one
     * for each organization it was threaded into (the first keeps the message's own event
     * id), or one for a product route.
     */
    async completeInbound({
      inboundId,
      status,
      target,
      tickets = [],
    }: {
      inboundId: string;
      status: 'routed' | 'threaded';
      target: string;
      tickets?: { orgId: string; ticketId: string }[];
    }): Promise<BusEvent[]> {
      await updateInbound(db, inboundId, { status, archiveReason: null });
      const { message, orgId } = await loadParsed(db, inboundId);
      const deliveries = tickets.length > 0 ? tickets : [{ orgId: orgId ?? '', ticketId: null }];
      return deliveries.map((delivery, index) => ({
        id: busEventId('relay.email.inbound', index === 0 ? inboundId : `${inboundId}:${delivery.orgId}`),
        type: 'relay.email.inbound',
        occurred_at: new Date().toISOString(),
        org_id: delivery.orgId,
        data: {
          inbound_id: inboundId,
          route: target,
          ticket_id: delivery.ticketId,
          from: message.from.address,
          to: message.to,
          subject: message.subject,
          message_id: message.messageId,
        },
      }));
    },

    async recordInboundReplay({ inboundId, replayOfRunId }: { inboundId: string; replayOfRunId: string }): Promise<void> {
      await addRoutingAttempt(db, { inboundId, target: 'replay', outcome: 'replayed', detail: { replay_of_run_id: replayOfRunId } });
    },
  };
}

export type InboundActivities = ReturnType<typeof createInboundActivities>;
