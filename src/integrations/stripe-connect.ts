import { ApplicationFailure } from '@temporalio/common';
import type { HttpClient } from './http.js';

/** Relay as a Stripe Connect platform: its client id, its secret key, and where Connect is reached. */
export interface StripeConnectApp {
  clientId: string;
  secretKey: string;
  /** https://connect.stripe.com (tests: a loopback fake). */
  baseUrl: string;
}

export interface StripeConnectClient {
  /** Where the account owner approves the connection (Connect OAuth). */
  authorizeUrl(state: string, redirectUri: string): string;
  /** Exchanges the one-time code: the answer names the account that approved (`stripe_user_id`). */
  exchangeCode(code: string): Promise<{ accountId: string }>;
}

export function createStripeConnectClient(http: HttpClient, app: StripeConnectApp): StripeConnectClient {
  const base = app.baseUrl.replace(/\/+$/, '');
  return {
    authorizeUrl(state, redirectUri) {
      const query = new URLSearchParams({ response_type: 'code', client_id: app.clientId, scope: 'read_write', state, redirect_uri: redirectUri });
      return `${base}/oauth/authorize?${query}`;
    },

    async exchangeCode(code) {
      const response = await http.request({
        method: 'POST',
        url: `${base}/oauth/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${app.secretKey}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code }).toString(),
      });
      const answer = JSON.parse(response.body || '{}') as { stripe_user_id?: string; error?: string; error_description?: string };
      if (response.status !== 200 || !answer.stripe_user_id) {
        throw ApplicationFailure.nonRetryable(
          `Stripe Connect refused the code: ${answer.error ?? `HTTP ${response.status}`}${answer.error_description ? ` (${answer.error_description})` : ''}`,
          'StripeConnectFailed',
        );
      }
      // Relay reads the account's events through its Connect webhook; the tokens are not kept.
      return { accountId: answer.stripe_user_id };
    },
  };
}
