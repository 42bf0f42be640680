import twilio from 'twilio';
import type { HttpClient } from './http.js';
import { isRetryableStatus, providerFailure, sendRequest } from './provider-call.js';

/** What the twilio package hands its HTTP client for one call. */
interface TwilioHttpRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
  timeout?: number;
}

const TWILIO_API = 'https://api.twilio.com';

/** Twilio's form encoding: a list is the same field repeated. */
function formOf(values: Record<string, unknown> | undefined): URLSearchParams {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(values ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined && item !== null) form.append(name, String(item));
  }
  return form;
}

/**
 * The twilio package's requests, sent through Relay's one HTTP client (timeouts, size cap,
 * no redirects) to the configured base URL instead of api.twilio.com.
 */
function twilioHttpClient(http: HttpClient, baseUrl: string) {
  return {
    async request(options: TwilioHttpRequest) {
      const url = new URL(options.uri);
      const target = new URL(`${baseUrl}${url.pathname}`);
      for (const [name, value] of formOf(options.params)) target.searchParams.append(name, value);
      const headers: Record<string, string> = { ...options.headers };
      if (options.username && options.password) headers.Authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
      const method = options.method.toUpperCase() as 'GET' | 'POST' | 'DELETE';
      const response = await sendRequest(
        http,
        { method, url: target.toString(), headers, body: options.data ? formOf(options.data).toString() : undefined, timeoutMs: options.timeout },
        'Twilio',
      );
      return { statusCode: response.status, body: response.body, headers: Object.fromEntries(response.headers) };
    },
  };
}

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export interface TwilioSmsClient {
  /** Sends one SMS with the Messages API; returns its Message SID. */
  send(credentials: TwilioCredentials, message: { from: string; to: string; body: string; statusCallback?: string }): Promise<string>;
}

export function createTwilioSmsClient(http: HttpClient, options: { baseUrl?: string } = {}): TwilioSmsClient {
  const httpClient = twilioHttpClient(http, (options.baseUrl ?? TWILIO_API).replace(/\/+$/, ''));
  return {
    async send(credentials, message) {
      // Temporal owns retries: the package's own 429 retry loop stays off.
      const client = twilio(credentials.accountSid, credentials.authToken, { httpClient: httpClient as never, autoRetry: false });
      try {
        const sent = await client.messages.create({ from: message.from, to: message.to, body: message.body, statusCallback: message.statusCallback });
        return sent.sid;
      } catch (error) {
        // The package's RestException (or RFC 9457 exception) carries Twilio's status, code and message.
        const status = (error as { status?: unknown }).status;
        if (typeof status !== 'number') throw error;
        const code = (error as { code?: unknown }).code;
        throw providerFailure('Twilio', `HTTP ${status}${code ? `, error ${String(code)}` : ''}: ${(error as Error).message}`, isRetryableStatus(status));
      }
    },
  };
}
