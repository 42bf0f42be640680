import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { Agent, fetch } from 'undici';
import { checkTargetUrl, refusalFor, refusalMessage, SsrfRefused, type UrlPolicy } from '../security/ssrf.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Overrides the client's default timeout. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body, cut at the client's size cap. */
  body: string;
  /** The same bytes undecoded (binary answers: a voicemail recording); set by the real client. */
  bytes?: Buffer;
  durationMs: number;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
}

/**
 * Resolves like dns.lookup, but fails when any address is one the policy refuses. Used at
 * connect time, so the connection goes to an address that was checked (no DNS rebinding
 * between the check and the connect).
 */
function guardedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (...args: any[]) => void) => {
    lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      const refusal = addresses.map((entry) => refusalFor(entry.address, { allowLoopback: policy.allowInsecure })).find(Boolean);
      if (refusal) return callback(new SsrfRefused(refusalMessage(hostname, refusal)));
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * The one client for Relay's outbound HTTP: a timeout on every call, a cap on what is
 * read of a response, and redirects never followed (a redirect is an answer, not a hop).
 * With a `guard`, targets are checked against the SSRF policy before the request and
 * again when the connection resolves its address.
 */
export function createHttpClient(options: { timeoutMs?: number; maxResponseBytes?: number; userAgent?: string; guard?: UrlPolicy } = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const guard = options.guard;
  const dispatcher = guard ? new Agent({ connect: { lookup: guardedLookup(guard) } }) : undefined;
  return {
    async request(request) {
      if (guard) await checkTargetUrl(request.url, guard);
      const started = performance.now();
      const response = await fetch(request.url, {
        method: request.method,
        headers: { 'user-agent': options.userAgent ?? 'Relay/1', ...request.headers },
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs ?? timeoutMs),
        ...(dispatcher ? { dispatcher } : {}),
      });
      const bytes = await readCapped(response, maxResponseBytes);
      return { status: response.status, headers: response.headers, body: bytes.toString('utf8'), bytes, durationMs: performance.now() - started };
    },
  };
}

async function readCapped(response: Awaited<ReturnType<typeof fetch>>, maxBytes: number): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, maxBytes);
}

/**
 * The one place outbound HTTP answers are judged for Temporal: 2xx passes; 4xx other
 * than 408 and 429 will not get better by retrying (non-retryable); anything else,
 * 3xx included, is retried.
 */
export function ensureSuccess(response: HttpResponse, target: string): HttpResponse {
  if (response.status >= 200 && response.status < 300) return response;
  const message = `${target} answered HTTP ${response.status}: ${response.body.slice(0, 200)}`;
  const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
  throw permanent
    ? ApplicationFailure.nonRetryable(message, 'HttpClientError', { status: response.status })
    : ApplicationFailure.retryable(message, 'HttpServerError', { status: response.status });
}

/** The root cause of a failed request ("fetch failed" wraps the interesting part). */
export function describeFailure(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return describeFailure(cause);
  return error instanceof Error ? error.message : String(error);
}
