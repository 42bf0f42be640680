import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { RecordingServer, type RecordedRequest } from './recording-server.js';

/** The Standard Webhooks secret of a webhook secret: a `whsec_` one as it is, the seed's free form as whsec_ + base64 of its bytes (Relay's documented rule). */
export function standardSecretOf(secret: string): string {
  return secret.startsWith('whsec_') ? secret : `whsec_${Buffer.from(secret, 'utf8').toString('base64')}`;
}

/** Whether the request's x-relay-signature lists the hex HMAC-SHA256 of the raw body under `secret` (the seed's rule). */
export function relaySignatureValid(request: RecordedRequest, secret: string): boolean {
  const header = request.headers['x-relay-signature'];
  if (typeof header !== 'string') return false;
  const expected = createHmac('sha256', secret).update(request.body).digest();
  return header.split(' ').some((signature) => /^[0-9a-f]{64}$/.test(signature) && timingSafeEqual(expected, Buffer.from(signature, 'hex')));
}

/** Whether the standardwebhooks package, as a receiver uses it, accepts the request under `secret`. */
export function standardSignatureValid(request: RecordedRequest, secret: string): boolean {
  try {
    new Webhook(standardSecretOf(secret)).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * A tenant's webhook endpoint: verifies x-relay-signature (hex HMAC-SHA256 of the raw
 * body) and the Standard Webhooks signature (with the standardwebhooks package) as a
 * receiver should, records what it got, and fails or answers as told.
 */
export class WebhookReceiver extends RecordingServer {
  failNext = 0;
  failAlways = false;
  redirectTo: string | undefined;
  /** Answers to give, in order, before answering normally (status and headers, e.g. 429 with Retry-After). */
  readonly answers: { status: number; headers?: Record<string, string> | (() => Record<string, string>) }[] = [];
  readonly received: { request: RecordedRequest; status: number; signatureValid: boolean | null; standardValid: boolean | null }[] = [];

  constructor(public secret?: string) {
    super((request, res) => {
      const signatureValid = this.secret ? relaySignatureValid(request, this.secret) : null;
      const standardValid = this.secret ? standardSignatureValid(request, this.secret) : null;
      if (this.redirectTo) {
        this.received.push({ request, status: 302, signatureValid, standardValid });
        res.writeHead(302, { location: this.redirectTo }).end();
        return;
      }
      const told = this.answers.shift();
      if (told) {
        this.received.push({ request, status: told.status, signatureValid, standardValid });
        const headers = typeof told.headers === 'function' ? told.headers() : told.headers;
        res.writeHead(told.status, { 'content-type': 'application/json', ...headers }).end('{"error":"not now"}');
        return;
      }
      const failing = this.failAlways || this.failNext > 0;
      if (this.failNext > 0) this.failNext -= 1;
      const status = failing ? 500 : signatureValid === false || standardValid === false ? 401 : 200;
      this.received.push({ request, status, signatureValid, standardValid });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"ok":true}' : '{"error":"receiver says no"}');
    });
  }

  /** Deliveries the receiver accepted, parsed. */
  accepted() {
    return this.received.filter((entry) => entry.status === 200).map((entry) => ({ headers: entry.request.headers, body: JSON.parse(entry.request.body) }));
  }
}
