/** Every wait of the schedule is moved by up to this fraction either way, so retries of many deliveries spread out. */
export const SCHEDULE_JITTER = 0.1;
/** A wait a receiver asked for (Retry-After) is kept, plus up to this fraction: never earlier than asked. */
export const RETRY_AFTER_JITTER = 0.05;

/** Retry-After (delta-seconds or an HTTP date) as milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  // An HTTP date has a letter in it (IMF-fixdate, RFC 850, asctime); Date.parse reads all three.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The wait before the next attempt: the schedule's step, ±10 %. When the receiver asked
 * for longer (Retry-After on 429 or 503) it gets at least what it asked for, up to 5 %
 * more, but never more than twice the step, so a receiver cannot park a delivery for days.
 * `random` is in [0, 1): this runs in an activity, whose result the workflow's history keeps.
 */
export function nextWaitMs(scheduledMs: number, retryAfterMs: number | undefined, random: () => number): number {
  const scheduled = scheduledMs * (1 + SCHEDULE_JITTER * (2 * random() - 1));
  if (retryAfterMs === undefined) return Math.round(scheduled);
  const asked = retryAfterMs * (1 + RETRY_AFTER_JITTER * random());
  return Math.round(Math.min(2 * scheduledMs, Math.max(scheduled, asked)));
}
