import { type ProviderRequest, verifiedSnsMessage } from '../http/provider-webhook.js';
import type { SnsMessage, SnsVerifier } from '../security/sns.js';
import { parseSesEvent } from './ses-events.js';

export type ReceivedSesMessage =
  { kind: 'control'; message: SnsMessage } | { kind: 'event'; message: SnsMessage; eventType: string; sesMessageId: string | null };

/**
 * Verifies an SNS delivery to /api/webhooks/ses (signature, certificate host, topic) and
 * says what it is: an SES event notification, or an SNS control message.
 */
export async function receiveSesMessage(request: ProviderRequest, sns: SnsVerifier): Promise<ReceivedSesMessage> {
  const message = await verifiedSnsMessage(request, sns);
  if (message.Type !== 'Notification') return { kind: 'control', message };
  const event = parseSesEvent(message.Message);
  return { kind: 'event', message, eventType: event?.eventType ?? event?.notificationType ?? 'unparsed', sesMessageId: event?.mail.messageId ?? null };
}
