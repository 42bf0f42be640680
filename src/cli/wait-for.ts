import type { Logger } from '../observability/logger.js';

const FIRST_WAIT_MS = 500;
const LONGEST_WAIT_MS = 10_000;

/**
 * Retries `probe` until it succeeds, backing off from 0.5 s to 10 s and logging what it
 * waits for, so `relay api` and `relay worker` can start before PostgreSQL or Temporal
 * answers (containers starting together, a dependency restarting) instead of exiting.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T>, logger: Logger): Promise<T> {
  let waitMs = FIRST_WAIT_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const value = await probe();
      if (attempt > 1) logger.info({ dependency: what, attempts: attempt }, `${what} is reachable`);
      return value;
    } catch (error) {
      logger.warn({ dependency: what, attempt, retryInMs: waitMs, err: error instanceof Error ? error.message : String(error) }, `waiting for ${what}`);
      await new Promise((wake) => setTimeout(wake, waitMs));
      waitMs = Math.min(waitMs * 2, LONGEST_WAIT_MS);
    }
  }
}
