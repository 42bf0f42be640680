import { WebhookRejected, type ProviderRequest } from '../http/provider-webhook.js';
import { SnsVerificationError, type SnsMessage, type SnsVerifier } from '../security/sns.js';
import { parseSesEvent } from './ses-events.js';

export type ReceivedSesMessage =
  { kind: 'control'; message: SnsMessage } | { kind: 'event'; message: SnsMessage; eventType: string; sesMessageId: string | null };

/**
 * Verifies an SNS delivery to /api/webhooks/ses (signature, certificate host, topic) and
 * says what it is: an SES event notification, or an SNS control message.
 */
export async function receiveSesMessage(request: ProviderRequest, sns: SnsVerifier): Promise<ReceivedSesMessage> {
  let message: SnsMessage;
  try {
    message = await sns.verify(request.raw.toString('utf8'));
  } catch (error) {
    if (error instanceof SnsVerificationError) throw new WebhookRejected(401, 'SNS message failed verification');
    throw error;
  }
  if (message.Type !== 'Notification') return { kind: 'control', message };
  const event = parseSesEvent(message.Message);
  return { kind: 'event', message, eventType: event?.eventType ?? event?.notificationType ?? 'unparsed', sesMessageId: event?.mail.messageId ?? null };
}
