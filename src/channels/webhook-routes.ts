import express, { Router, type Request, type Response } from 'express';
import twilio from 'twilio';
import { dialpadSms, messengerEvents, messengerPageIds, whatsappMessages, whatsappPhoneNumberIds, type ChannelMessageDraft } from './parse.js';
import type { Db } from '../db/database.js';
import { findChannel, listChannelsOfType, storeChannelMessages } from './repository.js';
import type { Channel, ChannelType } from '../db/tables/channels.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SecretBox } from '../security/encryption.js';
import { constantTimeEqual, sha256 } from '../security/secrets.js';
import { isFreshTimestamp, verifyHmacSha256Hex } from '../security/signatures.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { ApiError } from '../http/errors.js';
import { parseJsonObject } from '../http/validate.js';

export interface ChannelWebhookDeps {
  db: Db;
  workflows: WorkflowStarter;
  secretBox: SecretBox;
  publicUrl: string;
  logger: Logger;
  metrics: Metrics;
  dialpad: { voicemailWaitMs: number; afterHangupWaitMs: number };
}

/** Calls are followed for at most this long. */
const MAX_CALL_MS = 4 * 3600_000;
const raw = express.raw({ type: () => true, limit: '2mb' });

const xmlEscape = (value: string) => value.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char]!);

/**
 * The messaging channels' provider webhooks (paths as the webhooks reference lists them).
 * Each request names its channel (a phone number, phone_number_id, page id, Slack team and
 * channel); Relay verifies it with that channel's secret before storing anything, stores
 * each message once by the provider's id, and starts a workflow per new message.
 */
export function channelWebhookRoutes(deps: ChannelWebhookDeps): Router {
  const router = Router();
  const refuse = (provider: string, why: string): never => {
    deps.metrics.webhooks.inc({ provider, outcome: 'rejected' });
    deps.logger.warn({ provider, reason: why }, 'channel webhook refused');
    throw new ApiError('unauthorized', why);
  };
  const open = (channel: Channel) => deps.secretBox.open(channel.secret_sealed);

  async function accept(provider: string, channel: Channel, drafts: ChannelMessageDraft[]) {
    const ids = await storeChannelMessages(deps.db, channel, drafts);
    await Promise.all(ids.map((id) => deps.workflows.startChannelMessage(id)));
    deps.metrics.webhooks.inc({ provider, outcome: 'accepted' });
    return ids;
  }

  // Meta's subscription handshake: echo hub.challenge when the verify token is one of ours.
  const handshake = (type: ChannelType) => async (req: Request, res: Response) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    if (mode === 'subscribe' && typeof token === 'string' && typeof challenge === 'string') {
      for (const channel of await listChannelsOfType(deps.db, type)) {
        if (channel.verify_token_sealed && constantTimeEqual(sha256(deps.secretBox.open(channel.verify_token_sealed)), sha256(token))) {
          res.type('text/plain').send(challenge);
          return;
        }
      }
    }
    throw new ApiError('forbidden', 'verify token does not match');
  };

  /** x-hub-signature-256 = sha256=<hex HMAC-SHA256(app secret, raw body)>. */
  const metaSignatureValid = (channel: Channel, req: Request, body: Buffer) => {
    const header = req.get('x-hub-signature-256') ?? '';
    return header.startsWith('sha256=') && verifyHmacSha256Hex(open(channel), body, header.slice(7));
  };

  router.post('/api/webhooks/sms', express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    const params = (req.body ?? {}) as Record<string, string>;
    const channel = params.To ? await findChannel(deps.db, 'twilio', params.To) : undefined;
    const signature = req.get('x-twilio-signature') ?? '';
    // Twilio signs the full public URL plus the sorted form parameters.
    if (!channel || !signature || !twilio.validateRequest(open(channel), signature, `${deps.publicUrl}${req.originalUrl}`, params)) {
      refuse('twilio', 'Twilio signature does not verify');
    }
    if (!params.MessageSid || !params.From) throw new ApiError('validation_failed', 'MessageSid and From are required');
    const media = Array.from({ length: Math.min(Number(params.NumMedia ?? 0) || 0, 10) }, (_, index) => ({
      url: params[`MediaUrl${index}`],
      content_type: params[`MediaContentType${index}`],
    }));
    await accept('twilio', channel!, [
      {
        externalId: params.MessageSid,
        kind: 'sms',
        sender: params.From,
        senderName: null,
        threadKey: params.From,
        body: [params.Body ?? '', ...media.map((item) => `[${item.content_type}] ${item.url}`)].filter(Boolean).join('\n') || null,
        payload: { ...params, media },
      },
    ]);
    const reply = channel!.auto_reply ? `<Message>${xmlEscape(channel!.auto_reply)}</Message>` : '';
    res.type('text/xml').send(`<?xml version="1.0" encoding="UTF-8"?>\n<Response>${reply}</Response>`);
  });

  router.get('/api/webhooks/whatsapp', handshake('whatsapp'));
  router.post('/api/webhooks/whatsapp', raw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const json = parseJsonObject(body);
    const [phoneNumberId] = whatsappPhoneNumberIds(json);
    const channel = phoneNumberId ? await findChannel(deps.db, 'whatsapp', phoneNumberId) : undefined;
    if (!channel || !metaSignatureValid(channel, req, body)) refuse('whatsapp', 'x-hub-signature-256 does not verify');
    // One signature covers the batch; messages for numbers of another organization are not taken from it.
    const drafts = whatsappMessages(json)
      .filter((entry) => entry.phoneNumberId === channel!.address)
      .map((entry) => entry.draft);
    await accept('whatsapp', channel!, drafts);
    res.json({ received: true });
  });

  router.get('/api/webhooks/messenger', handshake('messenger'));
  router.post('/api/webhooks/messenger', raw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const json = parseJsonObject(body);
    const [pageId] = messengerPageIds(json);
    const channel = pageId ? await findChannel(deps.db, 'messenger', pageId) : undefined;
    if (!channel || !metaSignatureValid(channel, req, body)) refuse('messenger', 'x-hub-signature-256 does not verify');
    const drafts = messengerEvents(json)
      .filter((entry) => entry.pageId === channel!.address)
      .map((entry) => entry.draft);
    await accept('messenger', channel!, drafts);
    res.json({ received: true });
  });

  router.post('/api/webhooks/dialpad', raw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const json = parseJsonObject(body);
    const isSms = json.event_type === 'sms';
    const number = isSms ? json.to_number : json.target?.phone_number;
    const channel = typeof number === 'string' ? await findChannel(deps.db, 'dialpad', number) : undefined;
    if (!channel || !verifyHmacSha256Hex(open(channel), body, req.get('x-dialpad-signature') ?? '')) refuse('dialpad', 'x-dialpad-signature does not verify');
    if (isSms) {
      await accept('dialpad', channel!, [dialpadSms(json)]);
      res.json({ received: true });
      return;
    }
    if (typeof json.call_id !== 'string' && typeof json.call_id !== 'number') throw new ApiError('validation_failed', 'call_id is required');
    if (typeof json.state !== 'string') throw new ApiError('validation_failed', 'state is required');
    const callId = String(json.call_id);
    // Stored first (once per call and state), then handed to the call's workflow.
    const [stored] = await storeChannelMessages(deps.db, channel!, [
      {
        externalId: `call:${callId}:${json.state}`,
        kind: 'call_event',
        sender: String(json.contact?.phone_number ?? ''),
        senderName: json.contact?.name ?? null,
        threadKey: `call:${callId}`,
        body: null,
        payload: json,
      },
    ]);
    if (stored) {
      await deps.workflows.signalDialpadCall(
        {
          orgId: channel!.org_id,
          callId,
          voicemailWaitMs: deps.dialpad.voicemailWaitMs,
          afterHangupWaitMs: deps.dialpad.afterHangupWaitMs,
          maxCallMs: MAX_CALL_MS,
        },
        {
          state: json.state,
          caller: json.contact?.phone_number ?? null,
          callerName: json.contact?.name ?? null,
          voicemailUrl: json.voicemail_link ?? json.recording_url ?? null,
          transcription: json.transcription_text ?? json.transcription ?? null,
        },
      );
    }
    deps.metrics.webhooks.inc({ provider: 'dialpad', outcome: stored ? 'accepted' : 'duplicate' });
    res.json({ received: true });
  });

  router.post('/api/webhooks/slack', raw, async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const timestamp = req.get('x-slack-request-timestamp') ?? '';
    const signature = req.get('x-slack-signature') ?? '';
    if (!isFreshTimestamp(timestamp, Date.now(), 300) || !signature.startsWith('v0=')) refuse('slack', 'Slack timestamp is stale or the signature missing');
    const base = `v0:${timestamp}:${body.toString('utf8')}`;
    const json = parseJsonObject(body);
    // A linked channel is "team:channel"; the handshake names no channel, so any linked app's secret may sign it.
    const address = json.event?.channel ? `${json.team_id}:${json.event.channel}` : undefined;
    const candidates = address
      ? [await findChannel(deps.db, 'slack', address)].filter((c): c is Channel => c !== undefined)
      : await listChannelsOfType(deps.db, 'slack');
    const channel = candidates.find((candidate) => verifyHmacSha256Hex(open(candidate), base, signature.slice(3)));
    if (!channel) refuse('slack', 'X-Slack-Signature does not verify');
    if (json.type === 'url_verification') {
      res.json({ challenge: json.challenge });
      return;
    }
    const event = json.event ?? {};
    const drafts: ChannelMessageDraft[] =
      json.type === 'event_callback' && event.type === 'message' && !event.subtype && !event.bot_id && typeof event.user === 'string'
        ? [
            {
              externalId: String(json.event_id ?? `${event.channel}:${event.ts}`),
              kind: 'slack_message',
              sender: event.user,
              senderName: null,
              threadKey: `${event.channel}:${event.thread_ts ?? event.ts}`,
              body: event.text ?? null,
              payload: json,
            },
          ]
        : [];
    await accept('slack', channel!, drafts);
    res.json({ received: true });
  });

  return router;
}
