import type { Request, RequestHandler } from 'express';
import type { Gauge } from 'prom-client';
import { ByteBudget, ByteBudgetTimeout } from './byte-budget.js';
import { ApiError } from './errors.js';

/**
 * How long a request waits for room in the body budget before it is answered 503: long
 * enough for a few large sends ahead of it to finish, well inside any client's timeout.
 */
export const BODY_BUDGET_WAIT_MS = 5_000;

export interface BodyBudget {
  /**
   * For a caller already authenticated: reserves the body's declared length (at most
   * `limitBytes`, the route's own limit, past which its parser answers 413 unread) before
   * it is read. Reservations go in arrival order; one that finds no room waits up to the
   * budget's wait, then gets a 503 with Retry-After and nothing is read or stored.
   */
  reserve(limitBytes: number): RequestHandler;
  /**
   * For a body read before its sender is known (a provider's webhook, whose signature covers
   * the body; an OAuth form, whose credential is inside it): the handlers that read it with
   * `parser`, charging the bytes as they arrive, never ahead of them, so a sender that
   * declares 30 MB and trickles it holds only what it has sent. Arriving bytes that find no
   * room are answered 503 (the rest is read and dropped); a body not complete within the
   * deadline is answered 408 and its connection closed. Bytes past `limitBytes` are not
   * charged: the parser discards them and answers 413. The parser is given `inflate: false`:
   * only the bytes on the wire are counted, so a compressed body is refused (415), never
   * unpacked.
   */
  readArriving(limitBytes: number, parser: (options: { limit: number; inflate: false }) => RequestHandler): RequestHandler[];
}

/**
 * The request bodies one API process reads at once, in bytes. A body takes several times
 * its size in heap while it is parsed, validated and stored (the text, its parsed form, the
 * JSON written to PostgreSQL), so without a bound a handful of 20 MB sends arriving together
 * outgrow any fixed heap and take the process down with everyone's requests.
 *
 * Authenticated callers reserve what they declare; everyone else pays as they send. A
 * reservation made before authentication would let anyone hold the whole budget with one
 * slow upload and turn every send away.
 */
export function createBodyBudget({
  bytes,
  waitMs,
  providerBodyTimeoutMs,
  inFlight,
  waiting,
}: {
  bytes: number;
  waitMs: number;
  providerBodyTimeoutMs: number;
  inFlight: Gauge;
  waiting: Gauge;
}): BodyBudget {
  const budget = new ByteBudget(bytes);

  const reserve = (limitBytes: number): RequestHandler => {
    const cap = Math.min(limitBytes, bytes);
    return (req, res, next) => {
      if (!hasBody(req)) return next();
      const declared = Number(req.headers['content-length'] ?? 0);
      // Without a Content-Length (chunked), the body may run to the route's limit.
      const weight = isChunked(req) || !Number.isFinite(declared) ? cap : Math.min(declared, cap);
      waiting.inc(weight);
      budget.take(weight, waitMs).then(
        (release) => {
          waiting.dec(weight);
          inFlight.inc(weight);
          // The parsed body lives until the answer is written (or the caller goes away).
          res.once('close', () => {
            inFlight.dec(weight);
            release();
          });
          next();
        },
        (error: unknown) => {
          waiting.dec(weight);
          if (!(error instanceof ByteBudgetTimeout)) return next(error);
          res.set('retry-after', '1');
          next(noRoom());
        },
      );
    };
  };

  const chargeArriving =
    (limitBytes: number): RequestHandler =>
    (req, res, next) => {
      // Answered by the parser without keeping a byte: a declared length over the limit (413),
      // and a compressed body (415: a few KB of gzip can unpack to the whole limit, past any
      // count of the bytes that arrive). An empty Content-Encoding is identity, as it is to body-parser.
      const refusedUnread =
        (!isChunked(req) && Number(req.headers['content-length']) > limitBytes) || (req.headers['content-encoding'] || 'identity').toLowerCase() !== 'identity';
      if (!hasBody(req) || refusedUnread) return next();
      let held = 0;
      const releases: (() => void)[] = [];
      let refused = false;
      const onData = (chunk: Buffer) => {
        if (refused || held + chunk.length > limitBytes) return;
        const release = budget.tryTake(chunk.length);
        if (!release) return refuseRest();
        releases.push(release);
        held += chunk.length;
        inFlight.inc(chunk.length);
      };
      // No room for what is arriving: answer 503 now, stop the parser buffering (its listener
      // goes), and drop the rest as it comes, so the sender reads the answer rather than a reset.
      const refuseRest = () => {
        refused = true;
        for (const listener of req.listeners('data')) if (listener !== onData) req.off('data', listener as (chunk: Buffer) => void);
        const error = noRoom();
        res.set('retry-after', '1').status(error.status).json(error.toBody());
      };
      // Stalled, or still being drained: answer 408 if nothing was said yet, and close the connection.
      const deadline = setTimeout(() => {
        if (req.complete) return;
        if (res.headersSent) return void req.destroy();
        const error = new ApiError('request_timeout', `the request body did not arrive within ${providerBodyTimeoutMs / 1000} s`);
        res.set('connection', 'close').status(error.status).json(error.toBody());
      }, providerBodyTimeoutMs);
      req.on('data', onData);
      // The bytes are held until the answer is written and the body is over (read, or dropped
      // after a 503, or cut off): the deadline keeps watching a drain the 503 left running.
      // (Once answered, Node no longer tells the request that its socket closed: listen there too.)
      const { socket } = req;
      const bodyOver = new Promise<void>((resolve) => {
        const over = () => {
          // A kept-alive socket outlives this request: leave nothing on it.
          socket.off('close', over);
          resolve();
        };
        req.once('end', over).once('close', over);
        socket.once('close', over);
      });
      const answered = new Promise((resolve) => res.once('close', resolve));
      void Promise.all([bodyOver, answered]).then(() => {
        clearTimeout(deadline);
        inFlight.dec(held);
        for (const release of releases) release();
      });
      next();
    };

  return {
    reserve,
    readArriving: (limitBytes, parser) => [chargeArriving(limitBytes), parser({ limit: limitBytes, inflate: false })],
  };
}

/** The answer (with Retry-After: 1) to a body the budget has no room for, reserved or arriving. */
const noRoom = () => new ApiError('service_unavailable', 'Relay is reading as many request bodies as it can hold in memory; retry shortly');

const isChunked = (req: Request) => req.headers['transfer-encoding'] !== undefined;

export const hasBody = (req: Request) => isChunked(req) || Number(req.headers['content-length'] ?? 0) > 0;
