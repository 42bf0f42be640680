import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { findOrganization } from '../auth/repository.js';
import { findOrgChannel, listOrgChannelsOfType } from '../channels/index.js';
import { type Db, type DbOrTrx, isUniqueViolation } from '../db/database.js';
import type { Channel } from '../db/tables/channels.js';
import { REPLY_CHANNELS, type ReplyChannel, type Ticket, type TicketReply } from '../db/tables/helpdesk.js';
import { ApiError } from '../http/errors.js';
import { base64Content } from '../emails/index.js';
import { findInboundRecipients, listInboundAddresses } from '../inbound/index.js';
import { sha256 } from '../security/secrets.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import type { Logger } from '../observability/logger.js';
import { fanOut } from './fan-out.js';
import { recordWebhookEvents } from '../webhooks/index.js';
import { conversationData } from './events.js';
import { findLastCustomerMessage, findLastMessageTimeFrom, findReplyByIdempotencyKey, insertReply, markReplyFailed } from './reply-repository.js';
import { addConversationMessage, findCustomer, findTicket } from './repository.js';

/** WhatsApp and Messenger accept free-form messages only this long after the customer's last message. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 3600_000;

/** What each channel takes in one message (Twilio's concatenated SMS, WhatsApp's and Messenger's text limits). */
export const REPLY_BODY_LIMITS: Record<ReplyChannel, number> = { email: 100_000, twilio: 1600, whatsapp: 4096, messenger: 2000, slack: 40_000 };

export const CHANNEL_LABELS: Record<string, string> = {
  email: 'email',
  twilio: 'SMS',
  whatsapp: 'WhatsApp',
  messenger: 'Messenger',
  slack: 'Slack',
  dialpad: 'Dialpad',
};

const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export const replyRequest = z.strictObject({
  body: z.string().trim().min(1, 'write something').max(REPLY_BODY_LIMITS.email),
  /** The channel to answer on; by default the one the customer last wrote on. `sms` is Twilio. */
  channel: z
    .enum([...REPLY_CHANNELS, 'sms'])
    .transform((channel): ReplyChannel => (channel === 'sms' ? 'twilio' : channel))
    .optional(),
  /** Email only. */
  attachments: z
    .array(
      z.strictObject({
        filename: z
          .string()
          .min(1)
          .max(255)
          .refine((value) => !/[\r\n"\\/]/.test(value), 'must be a plain file name'),
        content: base64Content,
        content_type: z
          .string()
          .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type')
          .default('application/octet-stream'),
      }),
    )
    .max(10)
    .optional(),
});
export type ReplyRequest = z.infer<typeof replyRequest>;

/** Where one reply goes, decided when it is written. */
interface Destination {
  channel: ReplyChannel;
  channelId: string | null;
  sender: string;
  recipient: string;
  inReplyTo: string | null;
}

const unavailable = (message: string) => new ApiError('reply_channel_unavailable', message);

/** The organization's support address the customer wrote to, or its oldest one. */
async function supportAddressFor(db: DbOrTrx, orgId: string, inboundId: string | null): Promise<string> {
  // Only proven addresses: a pending claim is not the organization's yet (Tenancy).
  const own = (await listInboundAddresses(db, orgId))
    .filter((row) => row.status === 'active')
    .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
    .map((row) => row.address);
  if (own.length === 0)
    throw unavailable('the organization has no proven support address to send from: add one with POST /api/v1/inbound-addresses and prove it');
  const recipients = inboundId ? await findInboundRecipients(db, orgId, inboundId) : [];
  return own.find((address) => recipients.includes(address)) ?? own[0]!;
}

/** A connected channel agents can reply on: the one the customer used, else the organization's first of that type. */
async function replyChannelOf(db: DbOrTrx, orgId: string, type: Channel['type'], used: string | null | undefined): Promise<Channel> {
  const channel = (used ? await findOrgChannel(db, orgId, used) : undefined) ?? (await listOrgChannelsOfType(db, orgId, type))[0];
  const label = CHANNEL_LABELS[type];
  if (!channel) throw unavailable(`the organization has no ${label} channel connected`);
  if (!channel.credentials_sealed) {
    throw unavailable(`the ${label} channel ${channel.address} has no sending credentials: add them with PATCH /api/v1/channels/${channel.id}`);
  }
  return channel;
}

/** The customer-service window of WhatsApp and Messenger (Meta's rule; templates are out of scope). */
export function replyWindowClosedMessage(channel: 'whatsapp' | 'messenger', lastFromCustomer: Date | undefined): string {
  const label = CHANNEL_LABELS[channel];
  return lastFromCustomer
    ? `${label} allows a free-form reply only within 24 hours of the customer's last message (the customer-service window); ` +
        `this customer last wrote at ${lastFromCustomer.toISOString()}. Answer on another channel, or wait for them to write again.`
    : `${label} allows a free-form reply only within 24 hours of the customer's last message (the customer-service window), and this customer has not written on ${label}.`;
}

export function windowIsOpen(lastFromCustomer: Date | undefined, now: number): boolean {
  return lastFromCustomer !== undefined && now - lastFromCustomer.getTime() < CUSTOMER_SERVICE_WINDOW_MS;
}

/**
 * When the customer-service window of a WhatsApp or Messenger ticket closes (in the past
 * once closed), so the reply box can say until when a reply is allowed; undefined when the
 * customer never wrote on that channel.
 */
export async function replyWindowClosesAt(db: DbOrTrx, orgId: string, ticket: Ticket, channel: 'whatsapp' | 'messenger'): Promise<Date | undefined> {
  const lastOnChannel = await findLastCustomerMessage(db, orgId, ticket.id, channel);
  if (!lastOnChannel?.from_address) return undefined;
  const lastFromCustomer = await findLastMessageTimeFrom(db, orgId, channel, lastOnChannel.from_address);
  return lastFromCustomer && new Date(lastFromCustomer.getTime() + CUSTOMER_SERVICE_WINDOW_MS);
}

/**
 * Where a reply goes: the channel the customer last wrote on unless one is chosen, to that
 * customer, from the organization's address on that channel; refused with the rule it breaks.
 */
export async function planDestination(db: DbOrTrx, orgId: string, ticket: Ticket, chosen: ReplyChannel | undefined, now: number): Promise<Destination> {
  const last = await findLastCustomerMessage(db, orgId, ticket.id);
  const channel = chosen ?? last?.channel ?? ticket.channel;
  if (!(REPLY_CHANNELS as readonly string[]).includes(channel)) {
    throw unavailable(`Relay cannot reply on ${CHANNEL_LABELS[channel] ?? channel}: choose email or sms`);
  }
  const customer = ticket.customer_id ? await findCustomer(db, orgId, ticket.customer_id) : undefined;
  const lastOnChannel = await findLastCustomerMessage(db, orgId, ticket.id, channel);

  switch (channel as ReplyChannel) {
    case 'email': {
      const recipient = lastOnChannel?.from_address ?? customer?.email;
      if (!recipient) throw unavailable('the customer has no email address');
      const sender = await supportAddressFor(db, orgId, lastOnChannel?.inbound_id ?? null);
      return { channel: 'email', channelId: null, sender, recipient, inReplyTo: lastOnChannel?.message_id ?? null };
    }
    case 'twilio': {
      const recipient = lastOnChannel?.from_address ?? customer?.phone;
      if (!recipient) throw unavailable('the customer has no phone number to text');
      const sms = await replyChannelOf(db, orgId, 'twilio', lastOnChannel?.channel_id);
      return { channel: 'twilio', channelId: sms.id, sender: sms.address, recipient, inReplyTo: null };
    }
    case 'whatsapp':
    case 'messenger': {
      const meta = channel as 'whatsapp' | 'messenger';
      if (!lastOnChannel?.from_address) throw new ApiError('reply_window_closed', replyWindowClosedMessage(meta, undefined));
      const lastFromCustomer = await findLastMessageTimeFrom(db, orgId, meta, lastOnChannel.from_address);
      if (!windowIsOpen(lastFromCustomer, now)) throw new ApiError('reply_window_closed', replyWindowClosedMessage(meta, lastFromCustomer));
      const connected = await replyChannelOf(db, orgId, meta, lastOnChannel.channel_id);
      return {
        channel: meta,
        channelId: connected.id,
        sender: connected.address,
        recipient: lastOnChannel.from_address,
        inReplyTo: meta === 'whatsapp' ? lastOnChannel.message_id : null,
      };
    }
    case 'slack': {
      // A Slack ticket is one thread: "CHANNEL:thread_ts".
      if (ticket.channel !== 'slack' || !ticket.thread_key?.includes(':')) throw unavailable('this ticket is not a Slack thread');
      const slack = await replyChannelOf(db, orgId, 'slack', lastOnChannel?.channel_id);
      return { channel: 'slack', channelId: slack.id, sender: slack.address, recipient: ticket.thread_key, inReplyTo: ticket.thread_key.split(':')[1]! };
    }
  }
}

export interface ReplyAuthor {
  /** The agent signed in to the dashboard; null for an API key. */
  userId: string | null;
}

export interface CreatedReply {
  reply: TicketReply;
  /** True when the Idempotency-Key named a reply already made: nothing new was sent. */
  repeated: boolean;
}

export const requestHashOf = (scope: string, request: unknown) => sha256(JSON.stringify({ scope, request })).toString('hex');

/** The reply an Idempotency-Key already made (with the same request), or undefined when the key is new. */
export async function findRepeatedReply(db: DbOrTrx, orgId: string, idempotencyKey: string | undefined, requestHash: string | null) {
  if (!idempotencyKey) return undefined;
  const earlier = await findReplyByIdempotencyKey(db, orgId, idempotencyKey);
  if (earlier && earlier.request_hash !== requestHash)
    throw new ApiError('idempotency_key_conflict', 'this Idempotency-Key was already used with a different request');
  return earlier;
}

function checkAttachments(request: ReplyRequest): void {
  if (!request.attachments?.length) return;
  if (request.channel !== undefined && request.channel !== 'email') throw new ApiError('validation_failed', 'attachments are sent by email only');
  const bytes = request.attachments.reduce((sum, file) => sum + Math.floor((file.content.length * 3) / 4), 0);
  if (bytes > MAX_ATTACHMENT_BYTES) throw new ApiError('payload_too_large', `attachments may hold at most ${MAX_ATTACHMENT_BYTES} bytes in total`);
}

/**
 * Writes a reply into a ticket's conversation inside the caller's transaction: where it
 * goes (refused with the rule it breaks), the conversation message, the reply row and its
 * conversation.created event. dispatchReply sends it once the transaction has committed.
 */
export async function writeReply(
  trx: DbOrTrx,
  orgId: string,
  ticket: Ticket,
  request: ReplyRequest,
  options: { author: ReplyAuthor; idempotencyKey?: string; requestHash: string | null; now: number },
): Promise<{ reply: TicketReply; eventIds: string[] }> {
  checkAttachments(request);
  const destination = await planDestination(trx, orgId, ticket, request.channel, options.now);
  if (request.attachments?.length && destination.channel !== 'email') {
    throw new ApiError('validation_failed', `attachments are sent by email only; this reply goes out on ${CHANNEL_LABELS[destination.channel]}`);
  }
  const limit = REPLY_BODY_LIMITS[destination.channel];
  if (request.body.length > limit) {
    throw new ApiError('validation_failed', `a ${CHANNEL_LABELS[destination.channel]} reply holds at most ${limit} characters`, [
      { path: 'body', message: `at most ${limit} characters on ${CHANNEL_LABELS[destination.channel]}` },
    ]);
  }
  const id = randomUUID();
  const message = await addConversationMessage(trx, {
    id,
    orgId,
    ticketId: ticket.id,
    direction: 'outbound',
    channel: destination.channel,
    channelId: destination.channelId,
    authorUserId: options.author.userId,
    fromAddress: destination.sender,
    subject: destination.channel === 'email' ? replySubject(ticket, destination.inReplyTo !== null) : null,
    text: request.body,
    html: null,
    messageId: null,
    inboundId: null,
  });
  const reply = await insertReply(trx, {
    id,
    orgId,
    ticketId: ticket.id,
    ...destination,
    attachments: request.attachments ?? [],
    idempotencyKey: options.idempotencyKey ?? null,
    requestHash: options.requestHash,
  });
  const eventIds = await recordWebhookEvents(trx, orgId, [{ type: 'conversation.created', data: conversationData(message, ticket) }], id);
  return { reply, eventIds };
}

/** After the reply's transaction: its webhook events out, and `reply-<id>` started (or the reply failed, never left queued with nothing to send it). */
export async function dispatchReply(
  deps: { db: Db; workflows: WorkflowStarter; logger: Logger },
  orgId: string,
  written: { reply: TicketReply; eventIds: string[] },
): Promise<void> {
  await fanOut(deps, orgId, written.eventIds);
  try {
    await deps.workflows.startReply({ orgId, replyId: written.reply.id, channel: written.reply.channel });
  } catch (error) {
    await markReplyFailed(deps.db, orgId, written.reply.id, 'Relay could not start sending this reply; send it again');
    throw new ApiError('service_unavailable', 'Relay could not start sending the reply; it is marked failed, send it again', {
      cause: error instanceof Error ? error.message : String(error),
    });
  }
}

/** A unique violation: two requests with one Idempotency-Key at once. */
/** Another request stored a reply under the same Idempotency-Key first. */
export const isKeyRace = isUniqueViolation;

/**
 * Writes a reply into the ticket's conversation and starts `reply-<id>` to send it. With an
 * Idempotency-Key, a repeat of the same request returns the first reply (and makes sure its
 * workflow runs) instead of sending again; the same key with anything else is a conflict.
 */
export async function createReply(
  deps: { db: Db; workflows: WorkflowStarter; logger: Logger },
  orgId: string,
  ticketId: string,
  request: ReplyRequest,
  options: { author: ReplyAuthor; idempotencyKey?: string; now?: number },
): Promise<CreatedReply> {
  const { db, workflows } = deps;
  const requestHash = options.idempotencyKey ? requestHashOf(`reply:${ticketId}`, request) : null;
  const repeat = async (): Promise<CreatedReply | undefined> => {
    const earlier = await findRepeatedReply(db, orgId, options.idempotencyKey, requestHash);
    if (!earlier) return undefined;
    await workflows.startReply({ orgId, replyId: earlier.id, channel: earlier.channel });
    return { reply: earlier, repeated: true };
  };
  const earlier = await repeat();
  if (earlier) return earlier;

  let written: { reply: TicketReply; eventIds: string[] };
  try {
    written = await db.transaction().execute(async (trx) => {
      const ticket = await findTicket(trx, orgId, ticketId, { forUpdate: true });
      if (!ticket) throw new ApiError('not_found', 'no such ticket');
      return writeReply(trx, orgId, ticket, request, { ...options, requestHash, now: options.now ?? Date.now() });
    });
  } catch (error) {
    const concurrent = options.idempotencyKey && isKeyRace(error) ? await repeat() : undefined;
    if (concurrent) return concurrent;
    throw error;
  }
  await dispatchReply(deps, orgId, written);
  return { reply: written.reply, repeated: false };
}

/**
 * "Re: <subject> [Ticket #n]" when answering the customer's mail, "<subject> [Ticket #n]"
 * when there is none to answer (a ticket an agent started, or a customer who never emailed):
 * a "Re:" there would show the customer a reply to nothing. The number lets Relay thread the
 * answer even when a mail client drops the headers.
 */
export function replySubject(ticket: Pick<Ticket, 'subject' | 'number'>, answering: boolean): string {
  const base = ticket.subject
    .replace(/\s*\[Ticket #\d+\]\s*/gi, ' ')
    .replace(/^\s*((re|fwd?|aw|sv)\s*:\s*)+/i, '')
    .trim();
  return `${answering ? 'Re: ' : ''}${base || '(no subject)'} [Ticket #${ticket.number}]`;
}

/** The display name replies are sent under: the organization's name. */
export async function senderNameOf(db: DbOrTrx, orgId: string): Promise<string | undefined> {
  return (await findOrganization(db, orgId))?.name;
}
