import twilio from 'twilio';
import type { Channel, ChannelType } from '../db/tables/channels.js';
import { jsonObjectOf, WebhookRejected, type ProviderRequest } from '../http/provider-webhook.js';
import { isFreshTimestamp, verifyHmacSha256Hex } from '../security/signatures.js';
import type { DialpadCallEvent } from '../temporal/signals.js';
import { dialpadCallEvent, dialpadSms, messengerEvents, slackMessages, twilioSms, twilioStatus, whatsappMessages, type ChannelMessageDraft } from './parse.js';

export interface ChannelReceiveDeps {
  /** The channel a provider's address names: a number, phone_number_id, page id, or TEAM:CHANNEL. */
  findChannel(type: ChannelType, address: string): Promise<Channel | undefined>;
  /** The newest channels of a type (a bounded number), for requests that name none (Slack's url_verification). */
  listChannels(type: ChannelType): Promise<Channel[]>;
  /** The channel a Meta verify token belongs to. */
  findChannelByVerifyToken(type: ChannelType, token: string): Promise<Channel | undefined>;
  /** Opens the channel's sealed webhook secret. */
  openSecret(channel: Channel): string;
  /** Relay's public base URL: Twilio signs the full URL it called. */
  publicUrl: string;
  now(): number;
}

/** What a verified request carried for its channel (nothing, for read receipts of other numbers). */
export interface ReceivedMessages {
  channel: Channel;
  drafts: ChannelMessageDraft[];
}

export type ReceivedDialpad =
  ({ kind: 'sms' } & ReceivedMessages) | { kind: 'call'; channel: Channel; callId: string; draft: ChannelMessageDraft; event: DialpadCallEvent };

export type ReceivedSlack = { kind: 'url-verification'; challenge: unknown } | ({ kind: 'messages' } & ReceivedMessages);

const unauthorized = (why: string) => new WebhookRejected(401, why);
const SLACK_REPLAY_WINDOW_SECONDS = 300;

/** Twilio posts a urlencoded form; any other body carries no parameters (and so names no channel). */
function twilioParams(request: ProviderRequest): Record<string, string> {
  if (!/^\s*application\/x-www-form-urlencoded\s*(;|$)/i.test(request.contentType)) return {};
  return Object.fromEntries(new URLSearchParams(request.raw.toString('utf8')));
}

/** Twilio signs the full public URL plus the sorted form parameters with the number's auth token; `ours` names the channel's number. */
async function verifiedTwilio(request: ProviderRequest, deps: ChannelReceiveDeps, ours: 'To' | 'From') {
  const params = twilioParams(request);
  const number = params[ours];
  const channel = number ? await deps.findChannel('twilio', number) : undefined;
  const signature = request.header('x-twilio-signature') ?? '';
  if (!channel || !signature || !twilio.validateRequest(deps.openSecret(channel), signature, `${deps.publicUrl}${request.url}`, params)) {
    throw unauthorized('Twilio signature does not verify');
  }
  return { channel, params };
}

/** POST /api/webhooks/sms: a message to one of the organization's numbers. */
export async function receiveTwilioSms(request: ProviderRequest, deps: ChannelReceiveDeps): Promise<ReceivedMessages> {
  const { channel, params } = await verifiedTwilio(request, deps, 'To');
  if (!params.MessageSid || !params.From) throw new WebhookRejected(400, 'MessageSid and From are required');
  return { channel, drafts: [twilioSms(params)] };
}

/** POST /api/webhooks/sms/status: Twilio's status callback for an SMS sent from one of the organization's numbers. */
export async function receiveTwilioStatus(request: ProviderRequest, deps: ChannelReceiveDeps): Promise<ReceivedMessages> {
  const { channel, params } = await verifiedTwilio(request, deps, 'From');
  if (!params.MessageSid || !params.MessageStatus) throw new WebhookRejected(400, 'MessageSid and MessageStatus are required');
  return { channel, drafts: [twilioStatus(params)] };
}

/** Meta's subscription handshake (GET): the challenge to echo when the verify token is one of a channel of this type. */
export async function verifyMetaHandshake(request: ProviderRequest, type: 'whatsapp' | 'messenger', deps: ChannelReceiveDeps): Promise<string> {
  const mode = request.query('hub.mode');
  const token = request.query('hub.verify_token');
  const challenge = request.query('hub.challenge');
  if (mode === 'subscribe' && token !== undefined && challenge !== undefined && (await deps.findChannelByVerifyToken(type, token))) return challenge;
  throw new WebhookRejected(403, 'verify token does not match');
}

/**
 * A Meta batch (x-hub-signature-256 = sha256=<hex HMAC-SHA256(app secret, raw body)>) can
 * carry entries for several numbers or pages, even of several organizations when one app
 * serves them. Each one's entries are taken only when the signature verifies with that
 * channel's own secret; entries for unknown or unverified ones are left out, and the
 * request is refused only when no channel at all verifies.
 */
/** More numbers or pages than one Meta app's delivery ever batches. */
const MAX_BATCH_ADDRESSES = 100;

async function receiveMetaBatch<T extends { draft: ChannelMessageDraft }>(
  request: ProviderRequest,
  deps: ChannelReceiveDeps,
  type: 'whatsapp' | 'messenger',
  entries: T[],
  addressOf: (entry: T) => string,
): Promise<ReceivedMessages[]> {
  const header = request.header('x-hub-signature-256') ?? '';
  const byAddress = new Map<string, T[]>();
  for (const entry of entries) byAddress.set(addressOf(entry), [...(byAddress.get(addressOf(entry)) ?? []), entry]);
  // Each number or page costs a lookup and an HMAC before anything is verified.
  if (byAddress.size > MAX_BATCH_ADDRESSES) throw new WebhookRejected(413, `a batch may name at most ${MAX_BATCH_ADDRESSES} numbers or pages`);
  const received: ReceivedMessages[] = [];
  for (const [address, group] of byAddress) {
    const channel = await deps.findChannel(type, address);
    if (!channel || !header.startsWith('sha256=') || !verifyHmacSha256Hex(deps.openSecret(channel), request.raw, header.slice(7))) continue;
    received.push({ channel, drafts: group.map((entry) => entry.draft) });
  }
  if (received.length === 0) throw unauthorized('x-hub-signature-256 does not verify for any channel the batch names');
  return received;
}

export async function receiveWhatsApp(request: ProviderRequest, deps: ChannelReceiveDeps): Promise<ReceivedMessages[]> {
  return receiveMetaBatch(request, deps, 'whatsapp', whatsappMessages(jsonObjectOf(request)), (entry) => entry.phoneNumberId);
}

export async function receiveMessenger(request: ProviderRequest, deps: ChannelReceiveDeps): Promise<ReceivedMessages[]> {
  return receiveMetaBatch(request, deps, 'messenger', messengerEvents(jsonObjectOf(request)), (entry) => entry.pageId);
}

/** Dialpad: hex HMAC-SHA256 of the raw body with the number's webhook secret; an SMS, or one state event of a call. */
export async function receiveDialpad(request: ProviderRequest, deps: ChannelReceiveDeps): Promise<ReceivedDialpad> {
  const body = jsonObjectOf(request);
  const isSms = body.event_type === 'sms';
  const number = isSms ? body.to_number : body.target?.phone_number;
  const channel = typeof number === 'string' ? await deps.findChannel('dialpad', number) : undefined;
  if (!channel || !verifyHmacSha256Hex(deps.openSecret(channel), request.raw, request.header('x-dialpad-signature') ?? '')) {
    throw unauthorized('x-dialpad-signature does not verify');
  }
  if (isSms) return { kind: 'sms', channel, drafts: [dialpadSms(body)] };
  if (typeof body.call_id !== 'string' && typeof body.call_id !== 'number') throw new WebhookRejected(400, 'call_id is required');
  if (typeof body.state !== 'string') throw new WebhookRejected(400, 'state is required');
  const callId = String(body.call_id);
  return { kind: 'call', channel, callId, ...dialpadCallEvent(body, callId) };
}

/** Slack: v0=<hex HMAC-SHA256(signing secret, "v0:timestamp:body")>, fresh within five minutes. */
export async function receiveSlack(request: ProviderRequest, deps: ChannelReceiveDeps): Promise<ReceivedSlack> {
  const timestamp = request.header('x-slack-request-timestamp') ?? '';
  const signature = request.header('x-slack-signature') ?? '';
  if (!isFreshTimestamp(timestamp, deps.now(), SLACK_REPLAY_WINDOW_SECONDS) || !signature.startsWith('v0=')) {
    throw unauthorized('Slack timestamp is stale or the signature missing');
  }
  const base = `v0:${timestamp}:${request.raw.toString('utf8')}`;
  const body = jsonObjectOf(request);
  // A linked channel is "team:channel"; the handshake names no channel, so any linked app's secret may sign it.
  const address = body.event?.channel ? `${body.team_id}:${body.event.channel}` : undefined;
  const candidates = address ? [await deps.findChannel('slack', address)].filter((c): c is Channel => c !== undefined) : await deps.listChannels('slack');
  const channel = candidates.find((candidate) => verifyHmacSha256Hex(deps.openSecret(candidate), base, signature.slice(3)));
  if (!channel) throw unauthorized('X-Slack-Signature does not verify');
  if (body.type === 'url_verification') return { kind: 'url-verification', challenge: body.challenge };
  return { kind: 'messages', channel, drafts: slackMessages(body) };
}
