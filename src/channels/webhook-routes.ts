import { Router, type Response } from 'express';
import type { Db } from '../db/database.js';
import { providerWebhookRoute, type ProviderRequest, type ProviderWebhookDeps } from '../http/provider-webhook.js';
import type { SecretBox } from '../security/encryption.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import {
  receiveDialpad,
  receiveMessenger,
  receiveSlack,
  receiveTwilioSms,
  receiveTwilioStatus,
  receiveWhatsApp,
  verifyMetaHandshake,
  type ChannelReceiveDeps,
  type ReceivedMessages,
} from './receive.js';
import { constantTimeEqual, sha256 } from '../security/secrets.js';
import {
  findChannel,
  findChannelByVerifyToken,
  listChannelsOfType,
  listChannelsWithUnhashedVerifyToken,
  openDialpadCall,
  setVerifyTokenHash,
  storeChannelMessages,
} from './repository.js';
import { channelField } from './credentials.js';
import { dialpadCallInput } from './dialpad.js';

export interface ChannelWebhookDeps extends ProviderWebhookDeps {
  db: Db;
  workflows: WorkflowStarter;
  secretBox: SecretBox;
  publicUrl: string;
  dialpad: { voicemailWaitMs: number; afterHangupWaitMs: number };
}

/** Requests that name no channel (Slack's url_verification) are tried against at most this many. */
const UNNAMED_CHANNEL_CANDIDATES = 100;

const xmlEscape = (value: string) => value.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char]!);

/**
 * The messaging channels' provider webhooks (paths as the webhooks reference lists them).
 * Each request names its channel (a phone number, phone_number_id, page id, Slack team and
 * channel); receive.ts verifies it with that channel's secret before anything is stored;
 * each message is stored once by the provider's id, and its workflow started on every delivery.
 */
export function channelWebhookRoutes(deps: ChannelWebhookDeps): Router {
  const receiveDeps: ChannelReceiveDeps = {
    findChannel: (type, address) => findChannel(deps.db, type, address),
    listChannels: (type) => listChannelsOfType(deps.db, type, UNNAMED_CHANNEL_CANDIDATES),
    async findChannelByVerifyToken(type, token) {
      const tokenHash = sha256(token);
      const found = await findChannelByVerifyToken(deps.db, type, tokenHash);
      if (found) return found;
      // Channels connected before tokens were kept hashed get their hash now, a bounded batch per handshake.
      for (const channel of await listChannelsWithUnhashedVerifyToken(deps.db, type, UNNAMED_CHANNEL_CANDIDATES)) {
        const own = sha256(deps.secretBox.open(channel.verify_token_sealed!, channelField(channel.id, 'verify_token_sealed')));
        await setVerifyTokenHash(deps.db, channel.id, own);
        if (constantTimeEqual(own, tokenHash)) return channel;
      }
      return undefined;
    },
    openSecret: (channel) => deps.secretBox.open(channel.secret_sealed, channelField(channel.id, 'secret_sealed')),
    publicUrl: deps.publicUrl,
    now: Date.now,
  };
  // The JSON providers batch several messages in one request.
  const route = (method: 'get' | 'post', path: string, provider: string, handle: (request: ProviderRequest, res: Response) => Promise<void>) =>
    providerWebhookRoute(deps, { method, path, provider, limitBytes: 2 * 1024 * 1024 }, handle);

  // Started on every delivery, duplicates included: a provider's retry after a failed start
  // gets the message threaded; the workflow id keeps it to one run.
  async function accept(provider: string, { channel, drafts }: ReceivedMessages) {
    const messages = await storeChannelMessages(deps.db, channel, drafts);
    await Promise.all(messages.map((message) => deps.workflows.startChannelMessage({ messageId: message.id, orgId: channel.org_id })));
    deps.metrics.webhooks.inc({ provider, outcome: messages.some((message) => message.stored) || messages.length === 0 ? 'accepted' : 'duplicate' });
  }

  const handshake = (type: 'whatsapp' | 'messenger') =>
    route('get', `/api/webhooks/${type}`, type, async (request, res) => {
      // Verified before the answer's type is set: a refusal stays a JSON error.
      const challenge = await verifyMetaHandshake(request, type, receiveDeps);
      res.type('text/plain').send(challenge);
    });

  return Router().use(
    // Twilio posts one small form per message.
    providerWebhookRoute(deps, { method: 'post', path: '/api/webhooks/sms', provider: 'twilio', limitBytes: 64 * 1024 }, async (request, res) => {
      const received = await receiveTwilioSms(request, receiveDeps);
      await accept('twilio', received);
      const reply = received.channel.auto_reply ? `<Message>${xmlEscape(received.channel.auto_reply)}</Message>` : '';
      res.type('text/xml').send(`<?xml version="1.0" encoding="UTF-8"?>\n<Response>${reply}</Response>`);
    }),

    // Delivery reports of agent replies sent by SMS; Twilio wants only a 2xx.
    providerWebhookRoute(deps, { method: 'post', path: '/api/webhooks/sms/status', provider: 'twilio', limitBytes: 64 * 1024 }, async (request, res) => {
      await accept('twilio', await receiveTwilioStatus(request, receiveDeps));
      res.status(204).end();
    }),

    handshake('whatsapp'),
    route('post', '/api/webhooks/whatsapp', 'whatsapp', async (request, res) => {
      for (const received of await receiveWhatsApp(request, receiveDeps)) await accept('whatsapp', received);
      res.json({ received: true });
    }),

    handshake('messenger'),
    route('post', '/api/webhooks/messenger', 'messenger', async (request, res) => {
      for (const received of await receiveMessenger(request, receiveDeps)) await accept('messenger', received);
      res.json({ received: true });
    }),

    route('post', '/api/webhooks/dialpad', 'dialpad', async (request, res) => {
      const received = await receiveDialpad(request, receiveDeps);
      if (received.kind === 'sms') {
        await accept('dialpad', received);
        res.json({ received: true });
        return;
      }
      const { channel, callId } = received;
      // Stored first (once per call and state, the call's record opened with its first
      // event), then handed to the call's workflow on every delivery: a retry after a failed
      // signal still reaches it, and the workflow takes each state once.
      const [message] = await deps.db.transaction().execute(async (trx) => {
        await openDialpadCall(trx, { orgId: channel.org_id, channelId: channel.id, callId });
        return storeChannelMessages(trx, channel, [received.draft]);
      });
      const stored = message?.stored ?? false;
      await deps.workflows.signalDialpadCall(dialpadCallInput(channel, callId, deps.dialpad), received.event, { duplicate: !stored });
      deps.metrics.webhooks.inc({ provider: 'dialpad', outcome: stored ? 'accepted' : 'duplicate' });
      res.json({ received: true });
    }),

    route('post', '/api/webhooks/slack', 'slack', async (request, res) => {
      const received = await receiveSlack(request, receiveDeps);
      if (received.kind === 'url-verification') {
        res.json({ challenge: received.challenge });
        return;
      }
      await accept('slack', received);
      res.json({ received: true });
    }),
  );
}
