import { RecordingServer, type RecordedRequest } from './recording-server.js';

/**
 * A sibling product (Bus, Books, PSA, ...) that records what it receives and can be
 * told to fail: the next N requests, or every request until told otherwise.
 */
export class ProductFake extends RecordingServer {
  failNext = 0;
  failAlways = false;
  failStatus = 503;
  /** Every request with the status it was answered. */
  readonly answered: { request: RecordedRequest; status: number }[] = [];

  constructor() {
    super((request, res) => {
      const failing = this.failAlways || this.failNext > 0;
      if (this.failNext > 0) this.failNext -= 1;
      const status = failing ? this.failStatus : 200;
      this.answered.push({ request, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(failing ? '{"error":"unavailable"}' : '{"ok":true}');
    });
  }

  /** The requests answered 2xx, bodies parsed. */
  accepted<T = any>(): { headers: RecordedRequest['headers']; body: T }[] {
    return this.answered.filter((entry) => entry.status < 300).map((entry) => ({ headers: entry.request.headers, body: JSON.parse(entry.request.body) as T }));
  }
}
