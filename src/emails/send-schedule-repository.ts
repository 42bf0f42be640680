import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';

/**
 * Reserves the next send slot of `queue` at one send per `intervalSeconds`, as a generic
 * cell rate algorithm with no burst, in one statement on the database's clock (shared by
 * every worker): the slot is the later of now and the queue's schedule, and the schedule
 * moves one interval past it. Returns how long to wait for the slot, in milliseconds.
 */
export async function reserveSendSlot(db: DbOrTrx, queue: string, intervalSeconds: number): Promise<number> {
  const interval = sql`make_interval(secs => ${intervalSeconds}::double precision)`;
  const reserved = await db
    .insertInto('ses_send_schedules')
    .values({ queue, theoretical_arrival: sql<Date>`now() + ${interval}` })
    .onConflict((oc) =>
      oc.column('queue').doUpdateSet({ theoretical_arrival: sql<Date>`greatest(ses_send_schedules.theoretical_arrival, now()) + ${interval}` }),
    )
    .returning(sql<number>`extract(epoch from theoretical_arrival - ${interval} - now()) * 1000`.as('wait_ms'))
    .executeTakeFirstOrThrow();
  return Math.max(0, Number(reserved.wait_ms));
}
