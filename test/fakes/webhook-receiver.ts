import { createHmac, timingSafeEqual } from 'node:crypto';
import { RecordingServer, type RecordedRequest } from './recording-server.js';

/**
 * A tenant's webhook endpoint: verifies x-relay-signature (hex HMAC-SHA256 of the raw
 * body) as a receiver should, records what it got, and fails on command.
 */
export class WebhookReceiver extends RecordingServer {
  failNext = 0;
  failAlways = false;
  redirectTo: string | undefined;
  readonly received: { request: RecordedRequest; status: number; signatureValid: boolean | null }[] = [];

  constructor(private readonly secret?: string) {
    super((request, res) => {
      const signatureValid = this.verify(request);
      if (this.redirectTo) {
        this.received.push({ request, status: 302, signatureValid });
        res.writeHead(302, { location: this.redirectTo }).end();
        return;
      }
      const failing = this.failAlways || this.failNext > 0;
      if (this.failNext > 0) this.failNext -= 1;
      const status = failing ? 500 : signatureValid === false ? 401 : 200;
      this.received.push({ request, status, signatureValid });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"ok":true}' : '{"error":"receiver says no"}');
    });
  }

  private verify(request: RecordedRequest): boolean | null {
    if (!this.secret) return null;
    const header = request.headers['x-relay-signature'];
    if (typeof header !== 'string' || !/^[0-9a-f]{64}$/.test(header)) return false;
    const expected = createHmac('sha256', this.secret).update(request.body).digest();
    return timingSafeEqual(expected, Buffer.from(header, 'hex'));
  }

  /** Deliveries the receiver accepted, parsed. */
  accepted() {
    return this.received.filter((entry) => entry.status === 200).map((entry) => ({ headers: entry.request.headers, body: JSON.parse(entry.request.body) }));
  }
}
