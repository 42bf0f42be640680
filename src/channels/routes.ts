import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { CHANNEL_TYPES, type Channel } from '../db/tables/channels.js';
import { EncryptionUnavailable, type SecretBox } from '../security/encryption.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { issuesOf, parseOr400 } from '../http/validate.js';
import { sha256 } from '../security/secrets.js';
import { parseCredentials, sealCredentials } from './credentials.js';
import { connectChannel, deleteChannel, findOrgChannel, listOrgChannels, setChannelCredentials } from './repository.js';

export const channelRequest = z.strictObject({
  type: z.enum(CHANNEL_TYPES),
  /** twilio, dialpad: the E.164 number; whatsapp: phone_number_id; messenger: page id; slack: "TEAM:CHANNEL". */
  address: z.string().trim().min(1).max(200),
  /** twilio: auth token; whatsapp, messenger: app secret; dialpad: webhook secret; slack: signing secret. */
  secret: z.string().min(8).max(512),
  verify_token: z.string().min(8).max(512).optional(),
  auto_reply: z.string().min(1).max(1600).optional(),
  /** What replying needs (docs/integrations.md): checked per type below. */
  credentials: z.record(z.string(), z.unknown()).optional(),
});

export const channelCredentialsPatch = z.strictObject({
  /** twilio: account_sid (+ auth_token, default the secret); whatsapp, messenger: access_token; slack: bot_token. */
  credentials: z.record(z.string(), z.unknown()),
});

const view = (channel: Channel) => ({
  id: channel.id,
  type: channel.type,
  address: channel.address,
  has_verify_token: channel.verify_token_sealed !== null,
  auto_reply: channel.auto_reply,
  /** Whether agents can reply on it: its sending credentials are stored (never shown). */
  can_reply: channel.credentials_sealed !== null,
  created_at: channel.created_at.toISOString(),
});

function credentialsOf(type: Channel['type'], raw: unknown, webhookSecret: () => string) {
  const parsed = parseCredentials(type, raw, webhookSecret);
  if (!parsed)
    throw new ApiError('validation_failed', `Relay does not reply on ${type}: it takes no credentials`, [{ path: 'credentials', message: 'not accepted' }]);
  if (!parsed.success) {
    throw new ApiError(
      'validation_failed',
      'invalid credentials',
      issuesOf(parsed.error).map((issue) => ({ ...issue, path: `credentials.${issue.path}` })),
    );
  }
  return parsed.data;
}

function sealing<T>(seal: () => T): T {
  try {
    return seal();
  } catch (error) {
    if (error instanceof EncryptionUnavailable) throw new ApiError('service_unavailable', 'channels need RELAY_ENCRYPTION_KEY on the server');
    throw error;
  }
}

/** An organization's channels; secrets go in sealed and never come back out. */
export function channelRoutes(deps: { db: Db; apiKeys: ApiKeyLookup; secretBox: SecretBox }): Router {
  const router = Router();

  router.get('/api/v1/channels', requireApiKey(deps.apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    res.json({ data: (await listOrgChannels(deps.db, orgId)).map(view) });
  });

  router.post('/api/v1/channels', requireApiKey(deps.apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const request = parseOr400(channelRequest, req.body, 'channel');
    if ((request.type === 'whatsapp' || request.type === 'messenger') && !request.verify_token) {
      throw new ApiError('validation_failed', `${request.type} needs a verify_token for Meta's handshake`, [{ path: 'verify_token', message: 'required' }]);
    }
    if (request.type === 'slack' && !/^[A-Z0-9]+:[A-Z0-9]+$/.test(request.address)) {
      throw new ApiError('validation_failed', 'a Slack address is TEAM_ID:CHANNEL_ID', [{ path: 'address', message: 'expected TEAM_ID:CHANNEL_ID' }]);
    }
    const credentials = request.credentials === undefined ? undefined : credentialsOf(request.type, request.credentials, () => request.secret);
    const sealed = sealing(() => ({
      secret: deps.secretBox.seal(request.secret),
      verifyToken: request.verify_token ? deps.secretBox.seal(request.verify_token) : null,
      credentials: credentials ? sealCredentials(deps.secretBox, credentials) : null,
    }));
    const channel = await connectChannel(deps.db, orgId, {
      type: request.type,
      address: request.address,
      secretSealed: sealed.secret,
      verifyTokenSealed: sealed.verifyToken,
      verifyTokenHash: request.verify_token ? sha256(request.verify_token) : null,
      autoReply: request.auto_reply ?? null,
      credentialsSealed: sealed.credentials,
    });
    if (!channel) throw new ApiError('conflict', 'this channel is already connected');
    res.status(201).json(view(channel));
  });

  // Sending credentials are added (or replaced) on their own: channels connected before replies existed get them here.
  router.patch('/api/v1/channels/:id', requireApiKey(deps.apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const { credentials } = parseOr400(channelCredentialsPatch, req.body, 'channel change');
    const channel = await findOrgChannel(deps.db, orgId, req.params.id as string);
    if (!channel) throw new ApiError('not_found', 'no such channel');
    const parsed = credentialsOf(channel.type, credentials, () => deps.secretBox.open(channel.secret_sealed));
    const updated = await setChannelCredentials(
      deps.db,
      orgId,
      channel.id,
      sealing(() => sealCredentials(deps.secretBox, parsed)),
    );
    if (!updated) throw new ApiError('not_found', 'no such channel');
    res.json(view(updated));
  });

  router.delete('/api/v1/channels/:id', requireApiKey(deps.apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    if (!(await deleteChannel(deps.db, orgId, req.params.id as string))) throw new ApiError('not_found', 'no such channel');
    res.status(204).end();
  });

  return router;
}
