import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import { applyReplyDeliveryReport, findOpenThreadTicket, threadMessage } from '../helpdesk/index.js';
import { webhookEventIdsOf } from '../webhooks/index.js';
import { deliveryReportsOf, THREADED_KINDS } from './parse.js';
import { lockChannelMessage, lockConversationThread, saveDialpadCall, setChannelMessageTicket, setDialpadCallTicket } from './repository.js';
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
    async threadChannelMessage({ messageId }: { messageId: string }): Promise<{ eventIds: string[]; ticketId: string | null; orgId: string }> {
      return db.transaction().execute(async (trx) => {
        const message = await lockChannelMessage(trx, messageId);
        if (!message) throw ApplicationFailure.nonRetryable(`no channel message ${messageId}`, 'ChannelMessageNotFound');
        if (message.ticket_id) return { eventIds: await webhookEventIdsOf(trx, message.org_id, messageId), ticketId: message.ticket_id, orgId: message.org_id };
        if (!THREADED_KINDS.has(message.kind)) {
          // A delivery report moves the agent reply it names forward; other events thread nothing.
          for (const report of deliveryReportsOf(message.kind, message.payload)) {
            await applyReplyDeliveryReport(trx, { orgId: message.org_id, channel: message.type as 'twilio' | 'whatsapp' | 'messenger', ...report });
          }
          return { eventIds: [], ticketId: null, orgId: message.org_id };
        }
        await lockConversationThread(trx, message.org_id, message.type, message.thread_key);

        const threaded = await threadMessage(trx, {
          orgId: message.org_id,
          customer: {
            by: 'identity',
            channelType: message.type,
            identity: message.sender,
            name: message.sender_name,
            phone: isPhone(message.sender) ? message.sender : null,
          },
          ticket: await findOpenThreadTicket(trx, message.org_id, message.type, message.thread_key),
          newTicket: {
            subject: `${CHANNEL_NAMES[message.type]} from ${message.sender_name ?? message.sender}`,
            channel: message.type,
            threadKey: message.thread_key,
          },
          message: {
            direction: 'inbound',
            channel: message.type,
            fromAddress: message.sender,
            subject: null,
            text: message.body,
            html: null,
            messageId: message.external_id,
            inboundId: null,
            channelId: message.channel_id,
            createdAt: message.received_at,
          },
          sourceId: messageId,
        });
        await setChannelMessageTicket(trx, message.org_id, messageId, threaded.ticket.id);
        logger.info({ orgId: message.org_id, messageId, ticketId: threaded.ticket.id, channel: message.type }, 'channel message threaded');
        return { eventIds: threaded.eventIds, ticketId: threaded.ticket.id, orgId: message.org_id };
      });
    },

    /**
     * Keeps the call's record; a voicemail becomes one ticket carrying the audio link and
     * the transcription (whichever of them arrived).
     */
    async finishDialpadCall(call: {
      orgId: string;
      channelId: string;
      callId: string;
      states: string[];
      caller: string | null;
      callerName: string | null;
      voicemailUrl: string | null;
      transcription: string | null;
      voicemail: boolean;
    }): Promise<{ eventIds: string[]; ticketId: string | null }> {
      return db.transaction().execute(async (trx) => {
        const saved = await saveDialpadCall(trx, call);
        const sourceId = `dialpad:${call.channelId}:${call.callId}`;
        if (saved.ticketId) return { eventIds: await webhookEventIdsOf(trx, call.orgId, sourceId), ticketId: saved.ticketId };
        if (!call.voicemail) return { eventIds: [], ticketId: null };

        const caller = call.caller ?? 'unknown caller';
        const text = [
          call.transcription ? `Transcription: ${call.transcription}` : 'No transcription was available.',
          call.voicemailUrl ? `Recording: ${call.voicemailUrl}` : 'No recording was available.',
        ].join('\n');
        const threaded = await threadMessage(trx, {
          orgId: call.orgId,
          customer: { by: 'identity', channelType: 'dialpad', identity: caller, name: call.callerName, phone: isPhone(caller) ? caller : null },
          // Every voicemail is a ticket of its own.
          ticket: undefined,
          newTicket: { subject: `Voicemail from ${call.callerName ?? caller}`, channel: 'dialpad', threadKey: `call:${call.callId}` },
          message: {
            direction: 'inbound',
            channel: 'dialpad',
            fromAddress: caller,
            subject: 'Voicemail',
            text,
            html: null,
            messageId: `dialpad-call:${call.callId}`,
            inboundId: null,
          },
          sourceId,
        });
        await setDialpadCallTicket(trx, call.channelId, call.callId, threaded.ticket.id);
        logger.info({ orgId: call.orgId, callId: call.callId, ticketId: threaded.ticket.id }, 'voicemail ticket created');
        return { eventIds: threaded.eventIds, ticketId: threaded.ticket.id };
      });
    },
  };
}

export type ChannelActivities = ReturnType<typeof createChannelActivities>;
