import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { RecordingServer, type RecordedRequest } from './recording-server.js';

/**
 * A stand-in for the SES v2 API's SendEmail that can throttle or reject on command,
 * answering in SES's own error format so the real SDK parses it.
 */
export class FakeSes extends RecordingServer {
  /** SendEmail calls still to throttle before accepting. */
  throttleNext = 0;
  /** When set, every SendEmail is rejected with this SES error name (HTTP 400). */
  rejectWith: string | undefined;
  /** How long each SendEmail takes to answer. */
  answerAfterMs = 0;
  /** The MessageId answered to each accepted SendEmail call. */
  readonly answeredMessageIds = new Map<RecordedRequest, string>();
  /** Calls received and not yet answered, and the most there were at once (reset it with the recorded requests). */
  inFlight = 0;
  mostInFlight = 0;

  constructor() {
    super((request, res) => {
      this.inFlight += 1;
      this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
      setTimeout(() => {
        this.inFlight -= 1;
        this.answer(request, res);
      }, this.answerAfterMs);
    });
  }

  private answer(request: RecordedRequest, res: ServerResponse): void {
    if (request.method !== 'POST' || request.path !== '/v2/email/outbound-emails') return this.fail(res, 404, 'NotFoundException', 'unknown operation');
    if (this.throttleNext > 0) {
      this.throttleNext -= 1;
      return this.fail(res, 429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
    }
    if (this.rejectWith) return this.fail(res, 400, this.rejectWith, 'Email address is not verified.');
    const messageId = `fake-${randomUUID()}`;
    this.answeredMessageIds.set(request, messageId);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ MessageId: messageId }));
  }

  /** The SendEmail calls received, as recorded, in arrival order. */
  get sendRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.path === '/v2/email/outbound-emails');
  }

  /** The SendEmail calls received, parsed. */
  get sendCalls(): { Destination?: { ToAddresses?: string[] } }[] {
    return this.sendRequests.map((request) => JSON.parse(request.body));
  }

  private fail(res: ServerResponse, status: number, name: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` });
    res.end(JSON.stringify({ message }));
  }
}
