import { createHmac, timingSafeEqual } from 'node:crypto';
import { RecordingServer, type RecordedRequest } from './recording-server.js';

const MAX_AGE_SECONDS = 300;

/**
 * A partner's endpoint that verifies exactly as the seed's sample does: the timestamp
 * window, HMAC-SHA256 over "{timestamp}.{raw body}", a constant-time compare, and dedupe by
 * idempotency key. It can be told to fail the next N requests or all of them.
 */
export class PartnerReceiver extends RecordingServer {
  failNext = 0;
  failAlways = false;
  readonly seenKeys = new Set<string>();
  readonly received: { request: RecordedRequest; status: number; verified: boolean; duplicate: boolean }[] = [];

  constructor(public secret: string) {
    super((request, res) => {
      const verified = this.verify(request);
      const key = String(request.headers['x-relayit-idempotency-key']);
      const failing = this.failAlways || this.failNext > 0;
      if (this.failNext > 0) this.failNext -= 1;
      const status = !verified ? 401 : failing ? 502 : 200;
      const duplicate = status === 200 && this.seenKeys.has(key);
      if (status === 200) this.seenKeys.add(key);
      this.received.push({ request, status, verified, duplicate });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? JSON.stringify({ id: `crm-${this.seenKeys.size}` }) : 'Bad Gateway');
    });
  }

  private verify(request: RecordedRequest): boolean {
    const signatureHeader = String(request.headers['x-relayit-signature'] ?? '');
    const timestamp = String(request.headers['x-relayit-timestamp'] ?? '');
    if (!signatureHeader || !timestamp) return false;
    const ts = Number.parseInt(timestamp, 10);
    if (Math.abs(Math.floor(Date.now() / 1000) - ts) > MAX_AGE_SECONDS) return false;
    const expected = createHmac('sha256', this.secret).update(`${ts}.${request.body}`, 'utf8').digest('hex');
    const received = signatureHeader.replace(/^sha256=/, '');
    if (expected.length !== received.length) return false;
    return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(received, 'hex'));
  }
}
