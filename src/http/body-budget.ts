import type { RequestHandler } from 'express';
import type { Gauge } from 'prom-client';
import { ByteBudget, ByteBudgetTimeout } from './byte-budget.js';
import { ApiError } from './errors.js';

/**
 * How long a request waits for room in the body budget before it is answered 503: long
 * enough for a few large sends ahead of it to finish, well inside any client's timeout.
 */
export const BODY_BUDGET_WAIT_MS = 5_000;

/**
 * The request bodies one API process reads at once, in declared bytes. A body takes
 * several times its size in heap while it is parsed, validated and stored (the text, its
 * parsed form, the JSON written to PostgreSQL), so without a bound a handful of 20 MB sends
 * arriving together outgrow any fixed heap and take the process down with everyone's
 * requests. Within the budget requests go in arrival order; one that finds no room waits
 * up to `waitMs`, then gets a 503 with Retry-After and nothing is read or stored.
 * A body without a Content-Length (chunked) counts as the whole budget; a declared length
 * over the budget counts as the budget (its route's own limit then answers 413).
 */
export function bodyBudget({ bytes, waitMs, inFlight, waiting }: { bytes: number; waitMs: number; inFlight: Gauge; waiting: Gauge }): RequestHandler {
  const budget = new ByteBudget(bytes);
  return (req, res, next) => {
    const chunked = req.headers['transfer-encoding'] !== undefined;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (!chunked && declared === 0) return next();
    const weight = chunked || !Number.isFinite(declared) ? bytes : Math.min(declared, bytes);
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
        next(new ApiError('service_unavailable', 'Relay is reading as many request bodies as it can hold in memory; retry shortly'));
      },
    );
  };
}
