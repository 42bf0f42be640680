import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import { THREADED_KINDS } from './parse.js';
import type { Db } from '../db/database.js';
import { addConversationMessage, createTicket, findOpenThreadTicket, findOrCreateCustomerByIdentity } from '../helpdesk/repository.js';
import { findWebhookEventIdsBySource, insertWebhookEvents } from '../webhooks/repository.js';
import { conversationData, customerData, ticketData } from '../helpdesk/events.js';
import type { Logger } from '../observability/logger.js';

export interface ChannelActivityDeps {
  db: Db;
  logger: Logger;
}

const CHANNEL_NAMES: Record<string, string> = { twilio: 'SMS', whatsapp: 'WhatsApp', messenger: 'Messenger', dialpad: 'Dialpad', slack: 'Slack' };
const isPhone = (value: string) => /^\+?\d{6,16}$/.test(value);

export function createChannelActivities({ db, logger }: ChannelActivityDeps) {
  return {
    /**
     * Threads one stored channel message into the organization's helpdesk: the customer
     * by channel identity, the conversation's open ticket (or a new one), a conversation
     * message, and the webhook events of all that, in one transaction.
     */
    async threadChannelMessage({ messageId }: { messageId: string }): Promise<{ eventIds: string[]; ticketId: string | null }> {
      return db.transaction().execute(async (trx) => {
        const message = await trx.selectFrom('channel_messages').selectAll().where('id', '=', messageId).forUpdate().executeTakeFirst();
        if (!message) throw ApplicationFailure.nonRetryable(`no channel message ${messageId}`, 'ChannelMessageNotFound');
        if (message.ticket_id) return { eventIds: await findWebhookEventIdsBySource(trx, message.org_id, messageId), ticketId: message.ticket_id };
        if (!THREADED_KINDS.has(message.kind)) return { eventIds: [], ticketId: null };
        // Messages of one conversation arrive together (a WhatsApp batch): one at a time per thread, so they share one ticket.
        await sql`select pg_advisory_xact_lock(hashtext(${`${message.org_id}:${message.type}:${message.thread_key}`}))`.execute(trx);

        const { customer, created } = await findOrCreateCustomerByIdentity(trx, {
          orgId: message.org_id,
          channelType: message.type,
          identity: message.sender,
          name: message.sender_name,
          phone: isPhone(message.sender) ? message.sender : null,
        });
        let ticket = await findOpenThreadTicket(trx, message.org_id, message.type, message.thread_key);
        const ticketCreated = !ticket;
        ticket ??= await createTicket(trx, {
          orgId: message.org_id,
          subject: `${CHANNEL_NAMES[message.type]} from ${message.sender_name ?? message.sender}`,
          customerId: customer.id,
          channel: message.type,
          threadKey: message.thread_key,
        });
        const conversationId = await addConversationMessage(trx, {
          orgId: message.org_id,
          ticketId: ticket.id,
          direction: 'inbound',
          channel: message.type,
          fromAddress: message.sender,
          subject: null,
          text: message.body,
          html: null,
          messageId: message.external_id,
          inboundId: null,
          createdAt: message.received_at,
        });
        await trx.updateTable('channel_messages').set({ ticket_id: ticket.id }).where('id', '=', messageId).execute();
        const conversation = await trx.selectFrom('conversation_messages').selectAll().where('id', '=', conversationId).executeTakeFirstOrThrow();
        const eventIds = await insertWebhookEvents(
          trx,
          message.org_id,
          [
            ...(created ? [{ type: 'customer.created', data: customerData(customer) }] : []),
            ...(ticketCreated ? [{ type: 'ticket.created', data: ticketData(ticket, customer) }] : []),
            { type: 'conversation.created', data: conversationData(conversation, ticket) },
          ],
          messageId,
        );
        logger.info({ orgId: message.org_id, messageId, ticketId: ticket.id, channel: message.type }, 'channel message threaded');
        return { eventIds, ticketId: ticket.id };
      });
    },

    /**
     * Keeps the call's record; a voicemail becomes one ticket carrying the audio link and
     * the transcription (whichever of them arrived).
     */
    async finishDialpadCall(call: {
      orgId: string;
      callId: string;
      states: string[];
      caller: string | null;
      callerName: string | null;
      voicemailUrl: string | null;
      transcription: string | null;
      voicemail: boolean;
    }): Promise<{ eventIds: string[]; ticketId: string | null }> {
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('dialpad_calls').select('ticket_id').where('call_id', '=', call.callId).forUpdate().executeTakeFirst();
        const record = { org_id: call.orgId, states: call.states, caller: call.caller, voicemail_url: call.voicemailUrl, transcription: call.transcription, updated_at: sql<Date>`now()` };
        await trx
          .insertInto('dialpad_calls')
          .values({ call_id: call.callId, ticket_id: null, ...record })
          .onConflict((oc) => oc.column('call_id').doUpdateSet(record))
          .execute();
        if (existing?.ticket_id) return { eventIds: await findWebhookEventIdsBySource(trx, call.orgId, `dialpad:${call.callId}`), ticketId: existing.ticket_id };
        if (!call.voicemail) return { eventIds: [], ticketId: null };

        const caller = call.caller ?? 'unknown caller';
        const { customer, created } = await findOrCreateCustomerByIdentity(trx, {
          orgId: call.orgId,
          channelType: 'dialpad',
          identity: caller,
          name: call.callerName,
          phone: isPhone(caller) ? caller : null,
        });
        const ticket = await createTicket(trx, { orgId: call.orgId, subject: `Voicemail from ${call.callerName ?? caller}`, customerId: customer.id, channel: 'dialpad', threadKey: `call:${call.callId}` });
        const text = [call.transcription ? `Transcription: ${call.transcription}` : 'No transcription was available.', call.voicemailUrl ? `Recording: ${call.voicemailUrl}` : 'No recording was available.'].join('\n');
        const conversationId = await addConversationMessage(trx, {
          orgId: call.orgId,
          ticketId: ticket.id,
          direction: 'inbound',
          channel: 'dialpad',
          fromAddress: caller,
          subject: 'Voicemail',
          text,
          html: null,
          messageId: `dialpad-call:${call.callId}`,
          inboundId: null,
        });
        await trx.updateTable('dialpad_calls').set({ ticket_id: ticket.id }).where('call_id', '=', call.callId).execute();
        const conversation = await trx.selectFrom('conversation_messages').selectAll().where('id', '=', conversationId).executeTakeFirstOrThrow();
        const eventIds = await insertWebhookEvents(
          trx,
          call.orgId,
          [
            ...(created ? [{ type: 'customer.created', data: customerData(customer) }] : []),
            { type: 'ticket.created', data: ticketData(ticket, customer) },
            { type: 'conversation.created', data: conversationData(conversation, ticket) },
          ],
          `dialpad:${call.callId}`,
        );
        logger.info({ orgId: call.orgId, callId: call.callId, ticketId: ticket.id }, 'voicemail ticket created');
        return { eventIds, ticketId: ticket.id };
      });
    },
  };
}
