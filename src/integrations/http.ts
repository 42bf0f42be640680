import { ApplicationFailure } from '@temporalio/common';

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
  durationMs: number;
}

export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
}

/**
 * The one client for Relay's outbound HTTP: a timeout on every call, a cap on what is
 * read of a response, and redirects never followed (a redirect is an answer, not a hop).
 */
export function createHttpClient(options: { timeoutMs?: number; maxResponseBytes?: number; userAgent?: string } = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  return {
    async request(request) {
      const started = performance.now();
      const response = await fetch(request.url, {
        method: request.method,
        headers: { 'user-agent': options.userAgent ?? 'Relay/1', ...request.headers },
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs ?? timeoutMs),
      });
      const body = await readCapped(response, maxResponseBytes);
      return { status: response.status, headers: response.headers, body, durationMs: performance.now() - started };
    },
  };
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
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
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
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
