import { createHash } from 'node:crypto';
import type { DialpadCallEvent } from '../temporal/signals.js';

/** One message or event a channel webhook carried, ready to store. */
export interface ChannelMessageDraft {
  externalId: string;
  kind: string;
  sender: string;
  senderName: string | null;
  threadKey: string;
  body: string | null;
  payload: Record<string, unknown>;
}

/**
 * Kinds that are conversation; the rest (read, delivery) are stored but thread nothing.
 * The sweep's partial index (migration 2026-11-29T1600-unstarted-work) lists the same kinds:
 * a change here needs a migration that rebuilds it.
 */
export const THREADED_KINDS = new Set([
  'text',
  'image',
  'document',
  'audio',
  'video',
  'location',
  'contacts',
  'interactive',
  'button',
  'sticker',
  'postback',
  'message',
  'sms',
  'slack_message',
]);

type Json = Record<string, any>;
const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const digest = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

/** A readable line for each WhatsApp message type. */
function whatsappBody(message: Json): string | null {
  switch (message.type) {
    case 'text':
      return message.text?.body ?? null;
    case 'image':
    case 'video':
    case 'document':
      return message[message.type]?.caption ?? message[message.type]?.filename ?? `[${message.type}]`;
    case 'audio':
      return '[voice message]';
    case 'location':
      return `[location] ${message.location?.name ?? ''} ${message.location?.latitude},${message.location?.longitude}`.trim();
    case 'contacts':
      return `[contacts] ${asArray(message.contacts)
        .map((contact) => contact.name?.formatted_name)
        .filter(Boolean)
        .join(', ')}`;
    case 'interactive':
      return message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title ?? '[interactive]';
    default:
      return `[${String(message.type)}]`;
  }
}

/**
 * Every message and delivery status of a WhatsApp batch, by the business number it names.
 * Statuses (sent, delivered, read, failed) are stored like messages and thread nothing: they
 * move the agent reply they name forward.
 */
export function whatsappMessages(body: Json): { phoneNumberId: string; draft: ChannelMessageDraft }[] {
  return [...whatsappCustomerMessages(body), ...whatsappStatuses(body)];
}

function whatsappStatuses(body: Json): { phoneNumberId: string; draft: ChannelMessageDraft }[] {
  return asArray(body.entry).flatMap((entry) =>
    asArray(entry.changes).flatMap((change) =>
      asArray(change.value?.statuses).map((status) => ({
        phoneNumberId: String(change.value?.metadata?.phone_number_id ?? ''),
        draft: {
          externalId: `status:${String(status.id)}:${String(status.status)}`,
          kind: 'status',
          sender: String(status.recipient_id ?? ''),
          senderName: null,
          threadKey: String(status.recipient_id ?? ''),
          body: null,
          payload: status,
        },
      })),
    ),
  );
}

function whatsappCustomerMessages(body: Json): { phoneNumberId: string; draft: ChannelMessageDraft }[] {
  // Profile names may come in any entry of a batch; every message from that wa_id gets it.
  const names = new Map(
    asArray(body.entry).flatMap((entry) =>
      asArray(entry.changes).flatMap((change) =>
        asArray(change.value?.contacts).map((contact) => [String(contact.wa_id), contact.profile?.name ?? null] as const),
      ),
    ),
  );
  return asArray(body.entry).flatMap((entry) =>
    asArray(entry.changes).flatMap((change) => {
      const value = change.value ?? {};
      return asArray(value.messages).map((message) => ({
        phoneNumberId: String(value.metadata?.phone_number_id ?? ''),
        draft: {
          externalId: String(message.id),
          kind: String(message.type ?? 'unknown'),
          sender: String(message.from),
          senderName: names.get(String(message.from)) ?? null,
          threadKey: String(message.from),
          body: whatsappBody(message),
          payload: message,
        },
      }));
    }),
  );
}

export function messengerEvents(body: Json): { pageId: string; draft: ChannelMessageDraft }[] {
  return asArray(body.entry).flatMap((entry) =>
    asArray(entry.messaging).map((event) => {
      const psid = String(event.sender?.id ?? '');
      const kind = event.message ? 'message' : event.postback ? 'postback' : event.read ? 'read' : event.delivery ? 'delivery' : 'unknown';
      const externalId =
        event.message?.mid ?? event.postback?.mid ?? `${kind}:${psid}:${event.timestamp ?? ''}:${digest(event.read ?? event.delivery ?? event.postback ?? {})}`;
      const body =
        kind === 'message'
          ? (event.message?.text ??
            (asArray(event.message?.attachments)
              .map((attachment) => `[${attachment.type}] ${attachment.payload?.url ?? ''}`.trim())
              .join(' ') ||
              null))
          : kind === 'postback'
            ? (event.postback?.title ?? event.postback?.payload ?? null)
            : null;
      return {
        pageId: String(entry.id),
        draft: { externalId: String(externalId), kind, sender: psid, senderName: null, threadKey: psid, body, payload: event },
      };
    }),
  );
}

/** A Dialpad SMS event; Dialpad gives no id, so the content identifies a retried delivery. */
export function dialpadSms(body: Json): ChannelMessageDraft {
  const from = String(body.from_number ?? '');
  return {
    externalId: `sms:${digest(from, body.to_number, body.timestamp, body.text)}`,
    kind: 'sms',
    sender: from,
    senderName: null,
    threadKey: from,
    body: body.text ?? null,
    payload: body,
  };
}

/** A Twilio SMS (or MMS: up to 10 media links, each on a line of its own). */
export function twilioSms(params: Record<string, string>): ChannelMessageDraft {
  const media = Array.from({ length: Math.min(Number(params.NumMedia ?? 0) || 0, 10) }, (_, index) => ({
    url: params[`MediaUrl${index}`],
    content_type: params[`MediaContentType${index}`],
  }));
  return {
    externalId: params.MessageSid!,
    kind: 'sms',
    sender: params.From!,
    senderName: null,
    threadKey: params.From!,
    body: [params.Body ?? '', ...media.map((item) => `[${item.content_type}] ${item.url}`)].filter(Boolean).join('\n') || null,
    payload: { ...params, media },
  };
}

/** A Twilio status callback about a message Relay sent (StatusCallback of an agent reply). */
export function twilioStatus(params: Record<string, string>): ChannelMessageDraft {
  return {
    externalId: `status:${params.MessageSid}:${params.MessageStatus}`,
    kind: 'sms_status',
    sender: params.To ?? '',
    senderName: null,
    threadKey: params.To ?? '',
    body: null,
    payload: params,
  };
}

/** What a provider reported about messages Relay sent, by the provider's message id. */
export interface DeliveryReport {
  providerMessageId: string;
  status: 'sent' | 'delivered' | 'failed';
  reason: string | null;
}

/** The delivery reports a stored status event carries (Twilio, WhatsApp, Messenger); none for other kinds. */
export function deliveryReportsOf(kind: string, payload: Json): DeliveryReport[] {
  switch (kind) {
    case 'sms_status': {
      const status = String(payload.MessageStatus ?? '');
      const sid = String(payload.MessageSid ?? '');
      if (status === 'delivered') return [{ providerMessageId: sid, status: 'delivered', reason: null }];
      if (status === 'sent') return [{ providerMessageId: sid, status: 'sent', reason: null }];
      if (status === 'undelivered' || status === 'failed') {
        const why = [payload.ErrorCode && `Twilio error ${payload.ErrorCode}`, payload.ErrorMessage].filter(Boolean).join(': ');
        return [{ providerMessageId: sid, status: 'failed', reason: `Twilio reported the SMS ${status}${why ? ` (${why})` : ''}` }];
      }
      return [];
    }
    case 'status': {
      const id = String(payload.id ?? '');
      if (payload.status === 'sent') return [{ providerMessageId: id, status: 'sent', reason: null }];
      if (payload.status === 'delivered' || payload.status === 'read') return [{ providerMessageId: id, status: 'delivered', reason: null }];
      if (payload.status === 'failed') {
        const error = asArray(payload.errors)[0];
        const why = error ? `error ${error.code}: ${error.title ?? error.message ?? ''}`.trim() : 'no reason given';
        return [{ providerMessageId: id, status: 'failed', reason: `WhatsApp reported the message failed (${why})` }];
      }
      return [];
    }
    case 'delivery':
      // Messenger names every message the delivery covers.
      return asArray(payload.delivery?.mids).map((mid) => ({ providerMessageId: String(mid), status: 'delivered' as const, reason: null }));
    default:
      return [];
  }
}

/** One Dialpad call-state event: stored once per call and state, and handed to the call's workflow. */
export function dialpadCallEvent(body: Json, callId: string): { draft: ChannelMessageDraft; event: DialpadCallEvent } {
  return {
    draft: {
      externalId: `call:${callId}:${body.state}`,
      kind: 'call_event',
      sender: String(body.contact?.phone_number ?? ''),
      senderName: body.contact?.name ?? null,
      threadKey: `call:${callId}`,
      body: null,
      payload: body,
    },
    event: {
      state: body.state,
      caller: body.contact?.phone_number ?? null,
      callerName: body.contact?.name ?? null,
      voicemailUrl: body.voicemail_link ?? body.recording_url ?? null,
      transcription: body.transcription_text ?? body.transcription ?? null,
    },
  };
}

/** A person's message in a linked Slack channel; bots, edits and other events thread nothing. */
export function slackMessages(body: Json): ChannelMessageDraft[] {
  const event = body.event ?? {};
  if (body.type !== 'event_callback' || event.type !== 'message' || event.subtype || event.bot_id || typeof event.user !== 'string') return [];
  return [
    {
      externalId: String(body.event_id ?? `${event.channel}:${event.ts}`),
      kind: 'slack_message',
      sender: event.user,
      senderName: null,
      threadKey: `${event.channel}:${event.thread_ts ?? event.ts}`,
      body: event.text ?? null,
      payload: body,
    },
  ];
}
