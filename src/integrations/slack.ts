import type { HttpClient } from './http.js';
import { isRetryableStatus, parseJson, providerFailure, sendRequest } from './provider-call.js';

const SLACK_API = 'https://slack.com/api';

/** Slack's `error` values that mean "try again later"; every other one is final. */
const RETRYABLE_SLACK_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Slack reads &, < and > as markup: an agent's text is sent as written. */
const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface SlackClient {
  /** chat.postMessage in a thread of a channel; returns the new message's ts. */
  postInThread(botToken: string, message: { channel: string; threadTs: string; text: string }): Promise<string>;
}

export function createSlackClient(http: HttpClient, options: { baseUrl?: string } = {}): SlackClient {
  const base = (options.baseUrl ?? SLACK_API).replace(/\/+$/, '');
  return {
    async postInThread(botToken, message) {
      const response = await sendRequest(
        http,
        {
          method: 'POST',
          url: `${base}/chat.postMessage`,
          headers: { authorization: `Bearer ${botToken}`, 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify({ channel: message.channel, thread_ts: message.threadTs, text: escapeText(message.text) }),
        },
        'Slack',
      );
      const body = parseJson(response.body);
      // Slack answers 200 with ok:false for most refusals, and 429 when rate limited.
      if (response.status !== 200 || !body?.ok) {
        const error = typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`;
        throw providerFailure('Slack', error, isRetryableStatus(response.status) || RETRYABLE_SLACK_ERRORS.has(error));
      }
      if (typeof body.ts !== 'string') throw providerFailure('Slack', 'the answer names no message ts', false);
      return body.ts;
    },
  };
}
