import { ApplicationFailure } from '@temporalio/common';
import { SsrfRefused } from '../security/ssrf.js';
import { describeFailure, type HttpClient, type HttpRequest, type HttpResponse } from './http.js';

/**
 * A message send whose answer never came (a timeout, a connection dropped mid-request): the
 * provider may have sent it. None of the messaging APIs Relay replies through takes an
 * idempotency key, so such a send is not tried again: a second try could reach the customer twice.
 */
export class OutcomeUnknown extends Error {
  override name = 'OutcomeUnknown';
}

/** Connection failures that happen before a byte of the request leaves: trying again sends nothing twice. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function notSent(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = (current as { cause?: unknown }).cause) {
    if (current instanceof SsrfRefused) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
  }
  return false;
}

/**
 * One request that sends a message. A refused connection is retryable (nothing left);
 * anything else without an answer is OutcomeUnknown. The caller judges the answer.
 */
export async function sendRequest(http: HttpClient, request: HttpRequest, provider: string): Promise<HttpResponse> {
  try {
    return await http.request(request);
  } catch (error) {
    if (notSent(error)) throw ApplicationFailure.retryable(`${provider} could not be reached: ${describeFailure(error)}`, 'ProviderUnreachable');
    throw new OutcomeUnknown(`${provider} did not answer (${describeFailure(error)}); the message may have been sent`);
  }
}

/** A provider's refusal: permanent ones end the reply with the provider's reason, the rest are retried. */
export function providerFailure(provider: string, reason: string, retryable: boolean): ApplicationFailure {
  const message = `${provider}: ${reason}`;
  return retryable ? ApplicationFailure.retryable(message, 'ProviderUnavailable') : ApplicationFailure.nonRetryable(message, 'ProviderRejected');
}

/** HTTP statuses that mean "not now": throttling and the provider's own trouble. */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export function parseJson(body: string): Record<string, any> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === 'object' ? (value as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}
