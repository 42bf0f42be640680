import { hmacSha256, standardWebhookKey, standardWebhookSignature } from '../security/signatures.js';

export interface DeliveryToSign {
  /** The delivery id: stable per event and endpoint, the same on every retry (Standard Webhooks' `webhook-id`). */
  deliveryId: string;
  eventId: string;
  eventType: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  body: string;
  /** The secrets that sign, newest first: one, or two while a rotation overlaps; none for a legacy unsigned webhook. */
  secrets: readonly string[];
}

/**
 * The headers of one attempt: the seed's `x-relay-*` (x-relay-signature = hex HMAC-SHA256
 * of the raw body under the secret as given) and Standard Webhooks 1.0's `webhook-*`
 * (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`). With two secrets each signature header
 * carries both, space-separated, newest first.
 */
export function deliveryHeaders(delivery: DeliveryToSign): Record<string, string> {
  const { deliveryId, timestamp, body, secrets } = delivery;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-relay-event-id': delivery.eventId,
    'x-relay-event': delivery.eventType,
    'x-relay-delivery-id': deliveryId,
    'x-relay-timestamp': String(timestamp),
    'webhook-id': deliveryId,
    'webhook-timestamp': String(timestamp),
  };
  if (secrets.length > 0) {
    headers['x-relay-signature'] = secrets.map((secret) => hmacSha256(secret, body).toString('hex')).join(' ');
    headers['webhook-signature'] = secrets.map((secret) => standardWebhookSignature(standardWebhookKey(secret), deliveryId, timestamp, body)).join(' ');
  }
  return headers;
}
