import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Keeps every activity scheduled with a heartbeat timeout heartbeating while it runs, at a
 * third of that timeout. The point is the attempt nobody runs: a worker killed mid-attempt,
 * or stopped just as a poll handed it the task, never reports it, and Temporal would wait
 * out the whole start-to-close timeout before trying again; with a heartbeat timeout, it
 * retries once the heartbeats stop. A timer beats, not progress, so a live attempt in a
 * slow call (SES, a receiver taking its 30 s) keeps its slot and is never started twice.
 */
export const heartbeatWhileRunning: ActivityInterceptorsFactory = (context) => ({
  inbound: { execute: (input, next) => withHeartbeats(context, () => next(input)) },
});

async function withHeartbeats<T>(context: Context, work: () => Promise<T>): Promise<T> {
  const timeoutMs = context.info.heartbeatTimeoutMs;
  if (!timeoutMs) return work();
  // The timeout counts from the attempt's start, so the first beat can wait a third of it:
  // an attempt done sooner (an SES send, nearly always) costs the server no heartbeat at all.
  const beating = setInterval(() => context.heartbeat(), timeoutMs / 3);
  try {
    return await work();
  } finally {
    clearInterval(beating);
  }
}
