import { Context } from '@temporalio/activity';

/**
 * Runs `work` while heartbeating the current activity, at a third of its heartbeat timeout.
 * The point is the attempt nobody runs: a worker killed mid-attempt, or stopped just as a
 * poll handed it the task, never reports it, and Temporal would wait out the whole
 * start-to-close timeout before trying again. With a heartbeat timeout, it retries once the
 * heartbeats stop. Heartbeats come from a timer, not from progress, so a live attempt in a
 * slow call keeps its slot.
 */
export async function withHeartbeats<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
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
