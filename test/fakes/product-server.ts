import { RecordingServer, type RecordedRequest } from './recording-server.js';

/**
 * A sibling product (Bus, Books, PSA, ...) that records what it receives and can be
 * told to fail: the next N requests, every request until told otherwise, or the requests
 * `answer` picks (Books refusing one organization's report).
 */
export class ProductFake extends RecordingServer {
  failNext = 0;
  failAlways = false;
  failStatus = 503;
  /** A status for this request, or undefined for the usual answer. */
  answer: ((request: RecordedRequest) => number | undefined) | undefined;
  /** Every request with the status it was answered. */
  readonly answered: { request: RecordedRequest; status: number }[] = [];

  constructor() {
    super((request, res) => {
      const chosen = this.answer?.(request);
      const failing = chosen === undefined && (this.failAlways || this.failNext > 0);
      if (failing && this.failNext > 0) this.failNext -= 1;
      const status = chosen ?? (failing ? this.failStatus : 200);
      this.answered.push({ request, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(status >= 300 ? '{"error":"refused"}' : '{"ok":true}');
    });
  }

  /** The requests answered 2xx, bodies parsed. */
  accepted<T = any>(): { headers: RecordedRequest['headers']; body: T }[] {
    return this.answered.filter((entry) => entry.status < 300).map((entry) => ({ headers: entry.request.headers, body: JSON.parse(entry.request.body) as T }));
  }
}
