import { z } from 'zod';
import type { Channel, ChannelType } from '../db/tables/channels.js';
import type { SealedField, SecretBox } from '../security/encryption.js';

/** What replying on a channel needs, by type; kept sealed beside the channel's webhook secret. */
export type ChannelCredentials =
  { type: 'twilio'; accountSid: string; authToken: string } | { type: 'whatsapp' | 'messenger'; accessToken: string } | { type: 'slack'; botToken: string };

const token = z.string().trim().min(8).max(1024);

/** The `credentials` object of the channel API, per channel type (dialpad has no reply path). */
export const credentialsRequest = {
  twilio: z.strictObject({
    account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC followed by 32 hex digits)'),
    /** Defaults to the channel's secret: Twilio signs webhooks with the same auth token. */
    auth_token: token.optional(),
  }),
  whatsapp: z.strictObject({ access_token: token }),
  messenger: z.strictObject({ access_token: token }),
  slack: z.strictObject({
    bot_token: z
      .string()
      .trim()
      .regex(/^xoxb-[A-Za-z0-9-]{8,}$/, 'must be a Slack bot token (xoxb-…)'),
  }),
} as const;

export type ParsedCredentials = { success: true; data: ChannelCredentials } | { success: false; error: z.ZodError };

/** Validates `raw` for a channel of `type`; undefined for a type Relay does not reply on. */
export function parseCredentials(type: ChannelType, raw: unknown, webhookSecret: () => string): ParsedCredentials | undefined {
  switch (type) {
    case 'twilio': {
      const parsed = credentialsRequest.twilio.safeParse(raw);
      return parsed.success
        ? { success: true, data: { type, accountSid: parsed.data.account_sid, authToken: parsed.data.auth_token ?? webhookSecret() } }
        : { success: false, error: parsed.error };
    }
    case 'whatsapp':
    case 'messenger': {
      const parsed = credentialsRequest[type].safeParse(raw);
      return parsed.success ? { success: true, data: { type, accessToken: parsed.data.access_token } } : { success: false, error: parsed.error };
    }
    case 'slack': {
      const parsed = credentialsRequest.slack.safeParse(raw);
      return parsed.success ? { success: true, data: { type, botToken: parsed.data.bot_token } } : { success: false, error: parsed.error };
    }
    case 'dialpad':
      return undefined;
  }
}

/** Where one of a channel's sealed values is stored. */
export function channelField(channelId: string, column: 'secret_sealed' | 'verify_token_sealed' | 'credentials_sealed'): SealedField {
  return { table: 'channels', column, rowId: channelId };
}

export function sealCredentials(box: SecretBox, channelId: string, credentials: ChannelCredentials): Buffer {
  return box.seal(JSON.stringify(credentials), channelField(channelId, 'credentials_sealed'));
}

/** The channel's sending credentials, or undefined when none were added. */
export function openCredentials(box: SecretBox, channel: Pick<Channel, 'id' | 'credentials_sealed'>): ChannelCredentials | undefined {
  return channel.credentials_sealed
    ? (JSON.parse(box.open(channel.credentials_sealed, channelField(channel.id, 'credentials_sealed'))) as ChannelCredentials)
    : undefined;
}
