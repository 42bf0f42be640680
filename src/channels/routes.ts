import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { CHANNEL_TYPES, type Channel } from '../db/tables/channels.js';
import { EncryptionUnavailable, type SecretBox } from '../security/encryption.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import { sha256 } from '../security/secrets.js';
import { connectChannel, deleteChannel, listOrgChannels } from './repository.js';

export const channelRequest = z.strictObject({
  type: z.enum(CHANNEL_TYPES),
  /** twilio, dialpad: the E.164 number; whatsapp: phone_number_id; messenger: page id; slack: "TEAM:CHANNEL". */
  address: z.string().trim().min(1).max(200),
  /** twilio: auth token; whatsapp, messenger: app secret; dialpad: webhook secret; slack: signing secret. */
  secret: z.string().min(8).max(512),
  verify_token: z.string().min(8).max(512).optional(),
  auto_reply: z.string().min(1).max(1600).optional(),
});

const view = (channel: Channel) => ({
  id: channel.id,
  type: channel.type,
  address: channel.address,
  has_verify_token: channel.verify_token_sealed !== null,
  auto_reply: channel.auto_reply,
  created_at: channel.created_at.toISOString(),
});

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
    let sealed: { secret: Buffer; verifyToken: Buffer | null };
    try {
      sealed = { secret: deps.secretBox.seal(request.secret), verifyToken: request.verify_token ? deps.secretBox.seal(request.verify_token) : null };
    } catch (error) {
      if (error instanceof EncryptionUnavailable) throw new ApiError('service_unavailable', 'channels need RELAY_ENCRYPTION_KEY on the server');
      throw error;
    }
    const channel = await connectChannel(deps.db, orgId, {
      type: request.type,
      address: request.address,
      secretSealed: sealed.secret,
      verifyTokenSealed: sealed.verifyToken,
      verifyTokenHash: request.verify_token ? sha256(request.verify_token) : null,
      autoReply: request.auto_reply ?? null,
    });
    if (!channel) throw new ApiError('conflict', 'this channel is already connected');
    res.status(201).json(view(channel));
  });

  router.delete('/api/v1/channels/:id', requireApiKey(deps.apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    if (!(await deleteChannel(deps.db, orgId, req.params.id as string))) throw new ApiError('not_found', 'no such channel');
    res.status(204).end();
  });

  return router;
}
