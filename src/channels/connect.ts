import { z } from 'zod';
import type { Db } from '../db/database.js';
import { CHANNEL_TYPES, type Channel } from '../db/tables/channels.js';
import type { SecretBox } from '../security/encryption.js';
import { sha256 } from '../security/secrets.js';
import { connectChannel } from './repository.js';

const SLACK_ADDRESS = /^[A-Z0-9]+:[A-Z0-9]+$/;

export const channelRequest = z
  .strictObject({
    type: z.enum(CHANNEL_TYPES),
    /** twilio, dialpad: the E.164 number; whatsapp: phone_number_id; messenger: page id; slack: "TEAM:CHANNEL". */
    address: z.string().trim().min(1).max(200),
    /** twilio: auth token; whatsapp, messenger: app secret; dialpad: webhook secret; slack: signing secret. */
    secret: z.string().min(8).max(512),
    verify_token: z.string().min(8).max(512).optional(),
    auto_reply: z.string().min(1).max(1600).optional(),
  })
  .meta({
    // What connectOrgChannel checks per type, so the document says it too.
    allOf: [
      { if: { properties: { type: { const: 'slack' } } }, then: { properties: { address: { pattern: SLACK_ADDRESS.source } } } },
      { if: { properties: { type: { enum: ['whatsapp', 'messenger'] } } }, then: { required: ['verify_token'] } },
    ],
  });
export type ChannelRequest = z.infer<typeof channelRequest>;

/** A request the channel's provider could never use; `path` names the field. */
export class ChannelRequestInvalid extends Error {
  override name = 'ChannelRequestInvalid';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** The address is connected already, by this or another organization. */
export class ChannelTaken extends Error {
  override name = 'ChannelTaken';
}

/**
 * Connects a channel for the organization with its secrets sealed (the verify token also
 * hashed, for Meta's handshake). Throws ChannelRequestInvalid, ChannelTaken, or
 * EncryptionUnavailable when the server has no encryption key.
 */
export async function connectOrgChannel(db: Db, secretBox: SecretBox, orgId: string, request: ChannelRequest): Promise<Channel> {
  if ((request.type === 'whatsapp' || request.type === 'messenger') && !request.verify_token) {
    throw new ChannelRequestInvalid(`${request.type} needs a verify_token for Meta's handshake`, 'verify_token');
  }
  if (request.type === 'slack' && !SLACK_ADDRESS.test(request.address)) {
    throw new ChannelRequestInvalid('a Slack address is TEAM_ID:CHANNEL_ID', 'address');
  }
  const channel = await connectChannel(db, orgId, {
    type: request.type,
    address: request.address,
    secretSealed: secretBox.seal(request.secret),
    verifyTokenSealed: request.verify_token ? secretBox.seal(request.verify_token) : null,
    verifyTokenHash: request.verify_token ? sha256(request.verify_token) : null,
    autoReply: request.auto_reply ?? null,
  });
  if (!channel) throw new ChannelTaken('this channel is already connected');
  return channel;
}
