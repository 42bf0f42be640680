/** SQLSTATE classes and codes that mean the server cannot serve now, not that the query is wrong. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Whether an error says PostgreSQL is unreachable or going away (stopped, restarting,
 * out of connections, a connection cut), as opposed to a bug or bad data: callers answer
 * those with "try again", not with an internal error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || UNAVAILABLE_NETWORK_CODES.has(code))) return true;
  // node-postgres reports a cut connection, a client left unusable by one, and a pool wait
  // that ran out, without a code.
  return /^Connection terminated|is not queryable|^timeout exceeded when trying to connect/.test(error.message);
}

/**
 * Runs `work`, and again while the database is unavailable, for up to `patienceMs`: for a
 * write that records what an outside system already did (SES accepted a message), where
 * failing would make the caller do it again.
 */
export async function retryWhileDatabaseUnavailable<T>(work: () => Promise<T>, patienceMs: number): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 2000)) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + waitMs > deadline) throw error;
      await new Promise((wake) => setTimeout(wake, waitMs));
    }
  }
}
