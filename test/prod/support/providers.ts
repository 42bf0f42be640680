import { createHmac } from 'node:crypto';
import twilio from 'twilio';
import type { Answer } from './load.js';

/** One provider webhook delivery, as the provider sends it: its answer, or that none came. */
async function deliver(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Answer> {
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // TwiML or empty: keep the text
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    return { status: 'no_answer', error: error instanceof Error ? error.message : String(error) };
  }
}

/** Postmark's inbound JSON, with its token. */
export const postmarkInbound = (apiUrl: string, token: string, mail: { to: string; subject: string; messageId: string }, timeoutMs = 15_000) =>
  deliver(
    `${apiUrl}/api/webhooks/inbound-email`,
    { 'content-type': 'application/json', 'x-postmark-token': token },
    JSON.stringify({ From: 'client@client.example', To: mail.to, Subject: mail.subject, TextBody: 'Sent while Temporal was down', MessageID: mail.messageId }),
    timeoutMs,
  );

/** Twilio's SMS form, signed for the deployment's PUBLIC_URL. */
export function twilioSms(
  apiUrl: string,
  publicUrl: string,
  authToken: string,
  sms: { from: string; to: string; sid: string; body: string },
  timeoutMs = 15_000,
) {
  const params = { From: sms.from, To: sms.to, Body: sms.body, MessageSid: sms.sid, NumMedia: '0', AccountSid: 'AC-production-shape' };
  return deliver(
    `${apiUrl}/api/webhooks/sms`,
    {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, `${publicUrl}/api/webhooks/sms`, params),
    },
    new URLSearchParams(params).toString(),
    timeoutMs,
  );
}

/** One Shopify webhook of a connected shop, signed with the shop's secret. */
export function shopifyWebhook(
  apiUrl: string,
  shop: { domain: string; secret: string },
  event: { topic: string; webhookId: string; payload: unknown },
  timeoutMs = 15_000,
) {
  const body = JSON.stringify(event.payload);
  return deliver(
    `${apiUrl}/api/webhooks/shopify`,
    {
      'content-type': 'application/json',
      'x-shopify-topic': event.topic,
      'x-shopify-shop-domain': shop.domain,
      'x-shopify-webhook-id': event.webhookId,
      'x-shopify-hmac-sha256': createHmac('sha256', shop.secret).update(body).digest('base64'),
    },
    body,
    timeoutMs,
  );
}
