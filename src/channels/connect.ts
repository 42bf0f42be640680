import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { CHANNEL_TYPES, type Channel } from '../db/tables/channels.js';
import type { SecretBox } from '../security/encryption.js';
import { sha256 } from '../security/secrets.js';
import { channelField, credentialsRequest, parseCredentials, sealCredentials, type ChannelCredentials } from './credentials.js';
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
    /** What replying needs (docs/integrations.md): checked per type. */
    credentials: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({
    // What connectOrgChannel checks per type, so the document says it too.
    allOf: [
      { if: { properties: { type: { const: 'slack' } } }, then: { properties: { address: { pattern: SLACK_ADDRESS.source } } } },
      { if: { properties: { type: { enum: ['whatsapp', 'messenger'] } } }, then: { required: ['verify_token'] } },
      // Sending credentials, per type (credentials.ts); Dialpad takes none.
      ...(['twilio', 'whatsapp', 'messenger', 'slack'] as const).map((type) => ({
        if: { properties: { type: { const: type } } },
        then: { properties: { credentials: z.toJSONSchema(credentialsRequest[type], { io: 'input' }) } },
      })),
      { if: { properties: { type: { const: 'dialpad' } } }, then: { not: { required: ['credentials'] } } },
    ],
  });
export type ChannelRequest = z.infer<typeof channelRequest>;

/** Sending credentials added (or replaced) on their own: channels connected before replies existed get them this way. */
export const channelCredentialsPatch = z.strictObject({
  /** twilio: account_sid (+ auth_token, default the secret); whatsapp, messenger: access_token; slack: bot_token. */
  credentials: z.record(z.string(), z.unknown()),
});

/** A request the channel's provider could never use; `issues` name the fields. */
export class ChannelRequestInvalid extends Error {
  override name = 'ChannelRequestInvalid';
  readonly issues: { path: string; message: string }[];
  constructor(message: string, path: string, issues?: { path: string; message: string }[]) {
    super(message);
    this.issues = issues ?? [{ path, message }];
  }
}

/** A channel's sending credentials, validated for its type; ChannelRequestInvalid when they are wrong or the type takes none. */
export function channelCredentialsOf(type: Channel['type'], raw: unknown, webhookSecret: () => string): ChannelCredentials {
  const parsed = parseCredentials(type, raw, webhookSecret);
  if (!parsed) throw new ChannelRequestInvalid(`Relay does not reply on ${type}: it takes no credentials`, 'credentials');
  if (!parsed.success) {
    throw new ChannelRequestInvalid(
      'invalid credentials',
      'credentials',
      parsed.error.issues.map((issue) => ({ path: ['credentials', ...issue.path.map(String)].join('.'), message: issue.message })),
    );
  }
  return parsed.data;
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
  const credentials = request.credentials === undefined ? undefined : channelCredentialsOf(request.type, request.credentials, () => request.secret);
  const id = randomUUID();
  const channel = await connectChannel(db, orgId, {
    id,
    type: request.type,
    address: request.address,
    secretSealed: secretBox.seal(request.secret, channelField(id, 'secret_sealed')),
    verifyTokenSealed: request.verify_token ? secretBox.seal(request.verify_token, channelField(id, 'verify_token_sealed')) : null,
    verifyTokenHash: request.verify_token ? sha256(request.verify_token) : null,
    autoReply: request.auto_reply ?? null,
    credentialsSealed: credentials ? sealCredentials(secretBox, id, credentials) : null,
  });
  if (!channel) throw new ChannelTaken('this channel is already connected');
  return channel;
}
