/**
 * The heartbeat timeout of activities whose attempt a dead or stopping worker may leave
 * behind (SES sends, webhook and partner deliveries): Temporal retries such an attempt once
 * its heartbeats stop for this long, instead of after its whole start-to-close timeout. The
 * worker beats for them at a third of it while they run (src/worker/heartbeats.ts), so a
 * live attempt waiting on a slow SES or receiver is never started twice.
 */
export const ABANDONED_ATTEMPT_HEARTBEAT_TIMEOUT = '10 seconds';
