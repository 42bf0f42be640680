import { ApplicationFailure } from '@temporalio/common';
import { findOrgChannel, openCredentials, type ChannelCredentials } from '../channels/index.js';
import type { Db } from '../db/database.js';
import type { TicketReply } from '../db/tables/helpdesk.js';
import { findEmail, insertEmail } from '../emails/index.js';
import type { MetaMessagingClient } from '../integrations/meta.js';
import { OutcomeUnknown } from '../integrations/provider-call.js';
import type { SlackClient } from '../integrations/slack.js';
import type { TwilioSmsClient } from '../integrations/twilio.js';
import type { Logger } from '../observability/logger.js';
import type { SecretBox } from '../security/encryption.js';
import { replyWindowClosedMessage, senderNameOf, windowIsOpen } from './replies.js';
import {
  clearReplySending,
  findLastMessageTimeFrom,
  findReply,
  listThreadMessageIds,
  markReplyFailed,
  markReplySending,
  markReplySent,
  setReplyEmail,
} from './reply-repository.js';
import { findConversationMessage, findTicket } from './repository.js';

/** The provider clients replies go out through (src/integrations/). */
export interface ReplySenders {
  twilio: TwilioSmsClient;
  meta: MetaMessagingClient;
  slack: SlackClient;
}

export interface HelpdeskActivityDeps {
  db: Db;
  secretBox: SecretBox;
  replySenders: ReplySenders;
  /** Relay's public base URL: Twilio reports SMS delivery to it. */
  publicUrl: string;
  logger: Logger;
}

export interface ReplyRef {
  orgId: string;
  replyId: string;
}

/** `Name <address>`, the name quoted, or MIME-encoded when it is not ASCII (as SES requires). */
export function mailboxWithName(name: string | undefined, address: string): string {
  if (!name) return address;
  const ascii = /^[\x20-\x7e]*$/.test(name);
  const display = ascii ? `"${name.replace(/["\\]/g, '\\$&')}"` : `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;
  return `${display} <${address}>`;
}

const permanent = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

async function loadReply(db: Db, { orgId, replyId }: ReplyRef): Promise<TicketReply> {
  const reply = await findReply(db, orgId, replyId);
  if (!reply) throw permanent(`no reply ${replyId}`, 'ReplyNotFound');
  return reply;
}

export function createHelpdeskActivities({ db, secretBox, replySenders, publicUrl, logger }: HelpdeskActivityDeps) {
  /** One provider call for a reply on a messaging channel; returns the provider's message id. */
  async function deliver(reply: TicketReply, credentials: ChannelCredentials, body: string): Promise<string> {
    const mismatch = () => permanent(`the channel's credentials are for ${credentials.type}, not ${reply.channel}`, 'ChannelCredentialsMismatch');
    switch (reply.channel) {
      case 'twilio':
        if (credentials.type !== 'twilio') throw mismatch();
        return replySenders.twilio.send(credentials, {
          from: reply.sender,
          to: reply.recipient,
          body,
          statusCallback: `${publicUrl}/api/webhooks/sms/status`,
        });
      case 'whatsapp':
        if (credentials.type !== 'whatsapp') throw mismatch();
        return replySenders.meta.sendWhatsAppText(credentials.accessToken, {
          phoneNumberId: reply.sender,
          to: reply.recipient,
          body,
          replyTo: reply.in_reply_to,
        });
      case 'messenger':
        if (credentials.type !== 'messenger') throw mismatch();
        return replySenders.meta.sendMessengerText(credentials.accessToken, { pageId: reply.sender, psid: reply.recipient, body });
      case 'slack': {
        if (credentials.type !== 'slack') throw mismatch();
        const [channel, threadTs] = reply.recipient.split(':') as [string, string];
        return replySenders.slack.postInThread(credentials.botToken, { channel, threadTs, text: body });
      }
      case 'email':
        throw permanent('email replies go out through the email pipeline', 'WrongReplyPath');
    }
  }

  return {
    /**
     * Turns an email reply into a queued email of Relay's send pipeline (its id is the
     * reply's): From the support address under the organization's name, threaded to the
     * customer's message with In-Reply-To and References, "[Ticket #n]" in the subject, and
     * the ticket number in the metadata so the answer threads back by SES's Message-ID.
     */
    async prepareReplyEmail(ref: ReplyRef): Promise<{ emailId: string; contentBytes?: number }> {
      return db.transaction().execute(async (trx) => {
        const reply = await findReply(trx, ref.orgId, ref.replyId, { forUpdate: true });
        if (!reply) throw permanent(`no reply ${ref.replyId}`, 'ReplyNotFound');
        if (reply.email_id) return { emailId: reply.email_id };
        const [message, ticket] = await Promise.all([findConversationMessage(trx, ref.orgId, reply.id), findTicket(trx, ref.orgId, reply.ticket_id)]);
        if (!message || !ticket) throw permanent(`reply ${reply.id} has no conversation message or ticket`, 'ReplyNotFound');
        const references = (await listThreadMessageIds(trx, ref.orgId, ticket.id)).filter((id) => id !== reply.in_reply_to);
        if (reply.in_reply_to) references.push(reply.in_reply_to);
        const { contentBytes } = await insertEmail(trx, {
          id: reply.id,
          orgId: ref.orgId,
          content: {
            from: mailboxWithName(await senderNameOf(trx, ref.orgId), reply.sender),
            to: [reply.recipient],
            cc: [],
            bcc: [],
            reply_to: [],
            subject: message.subject ?? `[Ticket #${ticket.number}]`,
            text: message.body_text,
            html: null,
            headers: {
              ...(reply.in_reply_to ? { 'In-Reply-To': reply.in_reply_to } : {}),
              ...(references.length > 0 ? { References: references.join(' ') } : {}),
            },
            attachments: reply.attachments,
          },
          tags: {},
          metadata: { ticket_id: ticket.id, ticket_number: String(ticket.number), reply_id: reply.id },
        });
        await setReplyEmail(trx, ref.orgId, reply.id, reply.id);
        // The send's budget takes the size from here rather than reading it back.
        return { emailId: reply.id, contentBytes };
      });
    },

    /** Where an email reply's email stands (when its workflow was started by someone else: the stranded-email sweep). */
    async findReplyEmailOutcome({
      orgId,
      emailId,
    }: {
      orgId: string;
      emailId: string;
    }): Promise<{ status: string; sesMessageId: string | null; reason: string | null }> {
      const email = await findEmail(db, orgId, emailId);
      if (!email) throw permanent(`no email ${emailId}`, 'EmailNotFound');
      return { status: email.status, sesMessageId: email.ses_message_id, reason: email.failure_reason };
    },

    /**
     * Sends a reply on its messaging channel, once. The call is marked under way first; an
     * attempt that finds an earlier one unfinished (a crash, a timeout) cannot know whether
     * the provider sent it and fails the reply instead of sending it twice. Refusals the
     * provider would answer anyway (the 24-hour window, missing credentials) end it at once.
     */
    async sendChannelReply(ref: ReplyRef): Promise<{ providerMessageId: string }> {
      const reply = await loadReply(db, ref);
      if (reply.provider_message_id) return { providerMessageId: reply.provider_message_id };
      if (reply.status === 'failed') throw permanent(reply.failure_reason ?? 'the reply failed', 'ReplyFailed');
      if (reply.sending_since) {
        throw permanent(
          `an earlier attempt at ${reply.sending_since.toISOString()} did not finish, so it may have reached the customer; Relay does not send it again`,
          'ReplyOutcomeUnknown',
        );
      }
      if (reply.channel === 'whatsapp' || reply.channel === 'messenger') {
        const lastFromCustomer = await findLastMessageTimeFrom(db, ref.orgId, reply.channel, reply.recipient);
        if (!windowIsOpen(lastFromCustomer, Date.now())) throw permanent(replyWindowClosedMessage(reply.channel, lastFromCustomer), 'ReplyWindowClosed');
      }
      const channel = reply.channel_id ? await findOrgChannel(db, ref.orgId, reply.channel_id) : undefined;
      if (!channel) throw permanent('the channel was disconnected', 'ChannelGone');
      const credentials = openCredentials(secretBox, channel);
      if (!credentials) throw permanent(`the channel ${channel.address} has no sending credentials`, 'ChannelCredentialsMissing');
      const message = await findConversationMessage(db, ref.orgId, reply.id);
      if (!message?.body_text) throw permanent(`reply ${reply.id} has no text`, 'ReplyNotFound');

      if (!(await markReplySending(db, ref.orgId, reply.id))) {
        // Sent, failed or claimed since it was read.
        const now = await loadReply(db, ref);
        if (now.provider_message_id) return { providerMessageId: now.provider_message_id };
        throw permanent(now.failure_reason ?? `the reply is ${now.status} and already being sent`, 'ReplyOutcomeUnknown');
      }
      let providerMessageId: string;
      try {
        providerMessageId = await deliver(reply, credentials, message.body_text);
      } catch (error) {
        // Left marked: the next attempt must not send again.
        if (error instanceof OutcomeUnknown) throw permanent(error.message, 'ReplyOutcomeUnknown');
        await clearReplySending(db, ref.orgId, reply.id, error instanceof Error ? error.message : String(error));
        logger.warn({ orgId: ref.orgId, replyId: reply.id, channel: reply.channel, err: error }, 'reply not sent');
        throw error;
      }
      await markReplySent(db, ref.orgId, reply.id, providerMessageId);
      logger.info({ orgId: ref.orgId, replyId: reply.id, channel: reply.channel, providerMessageId }, 'reply sent');
      return { providerMessageId };
    },

    async recordReplySent({ orgId, replyId, providerMessageId }: ReplyRef & { providerMessageId: string }): Promise<void> {
      await markReplySent(db, orgId, replyId, providerMessageId);
    },

    /** The reply's end when it could not be sent: the provider's reason, or the last error before giving up. */
    async recordReplyFailed({ orgId, replyId, reason, gaveUp = false }: ReplyRef & { reason: string; gaveUp?: boolean }): Promise<void> {
      const reply = await findReply(db, orgId, replyId);
      const why = gaveUp && reply?.last_error ? `gave up retrying: ${reply.last_error}` : reason;
      if (await markReplyFailed(db, orgId, replyId, why)) logger.warn({ orgId, replyId, reason: why }, 'reply failed');
    },
  };
}

export type HelpdeskActivities = ReturnType<typeof createHelpdeskActivities>;
