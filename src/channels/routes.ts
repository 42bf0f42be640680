import { Router } from 'express';
import type { Db } from '../db/database.js';
import type { Channel } from '../db/tables/channels.js';
import { EncryptionUnavailable, type SecretBox } from '../security/encryption.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import { channelCredentialsOf, channelCredentialsPatch, channelRequest, ChannelRequestInvalid, ChannelTaken, connectOrgChannel } from './connect.js';
import { channelField, sealCredentials } from './credentials.js';
import { deleteChannel, findOrgChannel, listOrgChannels, setChannelCredentials } from './repository.js';

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
    let channel: Channel;
    try {
      channel = await connectOrgChannel(deps.db, deps.secretBox, orgId, request);
    } catch (error) {
      if (error instanceof ChannelRequestInvalid) throw new ApiError('validation_failed', error.message, error.issues);
      if (error instanceof ChannelTaken) throw new ApiError('conflict', error.message);
      if (error instanceof EncryptionUnavailable) throw new ApiError('service_unavailable', 'channels need RELAY_ENCRYPTION_KEY on the server');
      throw error;
    }
    res.status(201).json(view(channel));
  });

  // Sending credentials are added (or replaced) on their own: channels connected before replies existed get them here.
  router.patch('/api/v1/channels/:id', requireApiKey(deps.apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const { credentials } = parseOr400(channelCredentialsPatch, req.body, 'channel change');
    const channel = await findOrgChannel(deps.db, orgId, req.params.id as string);
    if (!channel) throw new ApiError('not_found', 'no such channel');
    let parsed;
    try {
      parsed = channelCredentialsOf(channel.type, credentials, () => deps.secretBox.open(channel.secret_sealed, channelField(channel.id, 'secret_sealed')));
    } catch (error) {
      if (error instanceof ChannelRequestInvalid) throw new ApiError('validation_failed', error.message, error.issues);
      throw error;
    }
    const updated = await setChannelCredentials(
      deps.db,
      orgId,
      channel.id,
      sealing(() => sealCredentials(deps.secretBox, channel.id, parsed)),
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
