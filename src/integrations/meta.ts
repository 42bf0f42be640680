import type { HttpClient, HttpResponse } from './http.js';
import { isRetryableStatus, parseJson, providerFailure, sendRequest } from './provider-call.js';

const GRAPH_API = 'https://graph.facebook.com/v23.0';

/** Graph error codes that mean "slow down" or "try later" whatever the HTTP status says. */
const RETRYABLE_GRAPH_CODES = new Set([1, 2, 4, 17, 32, 613, 80007, 130429, 131016]);

/**
 * Judges a Graph API answer: 2xx passes; throttling, the platform's own trouble and errors
 * Graph marks `is_transient` are retried; anything else is the provider's final word.
 */
function judge(provider: string, response: HttpResponse): Record<string, any> {
  const body = parseJson(response.body);
  if (response.status >= 200 && response.status < 300 && body) return body;
  const error = body?.error as { message?: string; code?: number; error_subcode?: number; is_transient?: boolean } | undefined;
  const reason = error
    ? `HTTP ${response.status}, error ${error.code}${error.error_subcode ? `/${error.error_subcode}` : ''}: ${error.message}`
    : `HTTP ${response.status}: ${response.body.slice(0, 200)}`;
  const retryable = isRetryableStatus(response.status) || error?.is_transient === true || RETRYABLE_GRAPH_CODES.has(error?.code ?? -1);
  throw providerFailure(provider, reason, retryable);
}

export interface MetaMessagingClient {
  /** WhatsApp Cloud API: one text message from a business phone number; returns the wamid. */
  sendWhatsAppText(accessToken: string, message: { phoneNumberId: string; to: string; body: string; replyTo?: string | null }): Promise<string>;
  /** Messenger Send API: one text message from a page, as a response to the person's message; returns the mid. */
  sendMessengerText(accessToken: string, message: { pageId: string; psid: string; body: string }): Promise<string>;
}

/** Both go through the Graph API with the channel's access token as a bearer token. */
export function createMetaMessagingClient(http: HttpClient, options: { baseUrl?: string } = {}): MetaMessagingClient {
  const base = (options.baseUrl ?? GRAPH_API).replace(/\/+$/, '');
  const post = (accessToken: string, path: string, body: unknown, provider: string) =>
    sendRequest(
      http,
      {
        method: 'POST',
        url: `${base}/${path}`,
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
      provider,
    );
  return {
    async sendWhatsAppText(accessToken, message) {
      const response = await post(
        accessToken,
        `${encodeURIComponent(message.phoneNumberId)}/messages`,
        {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: message.to,
          type: 'text',
          text: { preview_url: false, body: message.body },
          // Shown on the customer's phone as a reply to their message.
          ...(message.replyTo ? { context: { message_id: message.replyTo } } : {}),
        },
        'WhatsApp',
      );
      const id = judge('WhatsApp', response).messages?.[0]?.id;
      if (typeof id !== 'string') throw providerFailure('WhatsApp', 'the answer names no message id', false);
      return id;
    },
    async sendMessengerText(accessToken, message) {
      const response = await post(
        accessToken,
        `${encodeURIComponent(message.pageId)}/messages`,
        { recipient: { id: message.psid }, messaging_type: 'RESPONSE', message: { text: message.body } },
        'Messenger',
      );
      const id = judge('Messenger', response).message_id;
      if (typeof id !== 'string') throw providerFailure('Messenger', 'the answer names no message id', false);
      return id;
    },
  };
}
