import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';

/** A reserved send slot. */
export interface SendSlot {
  /** When the slot starts, in this process's `Date.now()` terms. */
  startsAt: number;
  /** Whether other sends held the slots before it (the queue has a backlog); false when it started at once. */
  queued: boolean;
}

/**
 * Reserves the next send slot of `queue` at one send per `intervalSeconds`, as a generic
 * cell rate algorithm with no burst, in one statement on the database's clock (shared by
 * every worker): the slot is the later of now and the queue's schedule, and the schedule
 * moves one interval past it.
 *
 * The slot is placed where the database put it, not a wait counted from when its answer
 * arrived: on a busy machine that answer takes from under 1 to over 50 ms, and waits counted
 * from it would move each send by that much, putting a slow answer's send next to the
 * following one. A clock that disagrees with the database's (another host) is trusted only
 * within what the round trip allows: the slot started its wait between the query's sending
 * and its answer.
 */
export async function reserveSendSlot(db: DbOrTrx, queue: string, intervalSeconds: number): Promise<SendSlot> {
  const interval = sql`make_interval(secs => ${intervalSeconds}::double precision)`;
  const asked = Date.now();
  const reserved = await db
    .insertInto('ses_send_schedules')
    .values({ queue, theoretical_arrival: sql<Date>`clock_timestamp() + ${interval}` })
    .onConflict((oc) =>
      oc.column('queue').doUpdateSet({ theoretical_arrival: sql<Date>`greatest(ses_send_schedules.theoretical_arrival, clock_timestamp()) + ${interval}` }),
    )
    .returning([
      sql<number>`extract(epoch from theoretical_arrival - ${interval}) * 1000`.as('starts_at_ms'),
      sql<number>`extract(epoch from theoretical_arrival - ${interval} - clock_timestamp()) * 1000`.as('wait_ms'),
    ])
    .executeTakeFirstOrThrow();
  const answered = Date.now();
  const waitMs = Number(reserved.wait_ms);
  // Widened by a millisecond each way: Date.now() counts whole ones, the database microseconds.
  const startsAt = Math.min(Math.max(Number(reserved.starts_at_ms), asked - 1 + waitMs), answered + 1 + waitMs);
  return { startsAt, queued: waitMs > 0 };
}

/**
 * Takes the slot that starts now when `queue`'s schedule is idle (no send holds a slot ahead
 * of now), in one statement; false, changing nothing, when sends are queued ahead. The slot
 * counts against the rate like any other: the schedule moves one interval past now.
 */
export async function claimIdleSendSlot(db: DbOrTrx, queue: string, intervalSeconds: number): Promise<boolean> {
  const next = sql<Date>`clock_timestamp() + make_interval(secs => ${intervalSeconds}::double precision)`;
  const claimed = await db
    .insertInto('ses_send_schedules')
    .values({ queue, theoretical_arrival: next })
    .onConflict((oc) =>
      oc
        .column('queue')
        .doUpdateSet({ theoretical_arrival: next })
        .where('ses_send_schedules.theoretical_arrival', '<=', sql<Date>`clock_timestamp()`),
    )
    .returning('queue')
    .executeTakeFirst();
  return claimed !== undefined;
}
