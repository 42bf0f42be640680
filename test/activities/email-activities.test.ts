import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { InsertQueryNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailActivities, type SendOutcome } from '../../src/emails/activities.js';
import { SEND_AT_ONCE_MAX_BYTES } from '../../src/emails/send-path.js';
import { createDb, type Db } from '../../src/db/database.js';
import { findEmail, insertEmail, listEmailEvents } from '../../src/emails/repository.js';
import { claimIdleSendSlot, reserveSendSlot } from '../../src/emails/send-schedule-repository.js';
import { suppressAddress } from '../../src/emails/suppression-repository.js';
import type { SesMessage, SesSender } from '../../src/integrations/ses.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createDatabase, createOrgWithKey } from '../support/stack.js';

let db: Db;
let orgId: string;

beforeAll(async () => {
  db = createDb(await createDatabase());
  ({ orgId } = await createOrgWithKey(db));
});
afterAll(() => db?.destroy());

class RecordingSes implements SesSender {
  readonly sent: SesMessage[] = [];
  failWith: Error | undefined;
  async send(message: SesMessage): Promise<string> {
    if (this.failWith) throw this.failWith;
    this.sent.push(message);
    return `ses-${randomUUID()}`;
  }
}

async function storedEmail(): Promise<string> {
  const id = randomUUID();
  await insertEmail(db, {
    id,
    orgId,
    content: { from: 'a@example.com', to: ['b@example.org'], cc: [], bcc: [], reply_to: [], subject: 's', html: null, text: 't', headers: {}, attachments: [] },
    tags: { product: 'crm' },
    metadata: {},
  });
  return id;
}

// Failing activities on purpose: only errors from the SDK's logger.
const quietEnvironment = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

function activitiesWith(ses: SesSender, { through = db, metrics = createMetrics(), sesPacing = { queue: 'test-ses', maxSendRate: 1000 } } = {}) {
  return createEmailActivities({
    db: through,
    ses,
    logger: createLogger({ level: 'silent' }),
    metrics,
    bounceAlert: { threshold: 0.05, windowHours: 24, minSends: 100 },
    sesPacing,
    sendBudgetBytes: 32 * 1024 * 1024,
  });
}

/**
 * The database, with the n-th send slot reservation's answer (from 1) reaching the caller
 * `lateMs(n)` late, as when the worker stalls; `counted.answered` counts the reservations.
 */
function lateReservationAnswers(lateMs: (answer: number) => number) {
  const reservations = new Set<unknown>();
  const counted = { answered: 0 };
  const through = db.withPlugin({
    transformQuery: ({ node, queryId }) => {
      if (InsertQueryNode.is(node) && node.into?.table.identifier.name === 'ses_send_schedules') reservations.add(queryId);
      return node;
    },
    transformResult: async ({ queryId, result }) => {
      if (reservations.has(queryId)) await new Promise((arrive) => setTimeout(arrive, lateMs(++counted.answered)));
      return result;
    },
  });
  return { through, counted };
}

describe('sendEmailViaSes with suppressed recipients', () => {
  it('skips suppressed recipients, sends to the rest and says who was skipped', async () => {
    const ses = new RecordingSes();
    const emailId = randomUUID();
    await insertEmail(db, {
      id: emailId,
      orgId,
      content: {
        from: 'a@example.com',
        to: ['Gone <gone@example.org>', 'kept@example.org'],
        cc: [],
        bcc: [],
        reply_to: [],
        subject: 's',
        html: null,
        text: 't',
        headers: {},
        attachments: [],
      },
      tags: {},
      metadata: {},
    });
    await suppressAddress(db, { orgId, address: 'gone@example.org', reason: 'hard_bounce' });
    await quietEnvironment().run(activitiesWith(ses).sendEmailViaSes, { orgId, emailId });

    expect(ses.sent[0]?.content.to).toEqual(['kept@example.org']);
    const events = await listEmailEvents(db, orgId, emailId);
    expect(events.map((event) => [event.type, event.recipient])).toEqual([
      ['queued', null],
      ['suppressed', 'gone@example.org'],
      ['sent', null],
    ]);
    expect(events[1]?.detail).toMatchObject({ reason: 'hard_bounce' });
  });

  it('ends an email whose every recipient is suppressed without calling SES', async () => {
    const ses = new RecordingSes();
    const emailId = randomUUID();
    await insertEmail(db, {
      id: emailId,
      orgId,
      content: {
        from: 'a@example.com',
        to: ['blocked@example.org'],
        cc: [],
        bcc: [],
        reply_to: [],
        subject: 's',
        html: null,
        text: 't',
        headers: {},
        attachments: [],
      },
      tags: {},
      metadata: {},
    });
    await suppressAddress(db, { orgId, address: 'blocked@example.org', reason: 'complaint' });
    const result = await quietEnvironment().run(activitiesWith(ses).sendEmailViaSes, { orgId, emailId });

    expect(result).toEqual({ outcome: 'suppressed' });
    expect(ses.sent).toHaveLength(0);
    expect((await findEmail(db, orgId, emailId))?.status).toBe('suppressed');
  });
});

describe('sendEmailViaSes', () => {
  it('sends once, tags the message with its org and id, and records sent', async () => {
    const ses = new RecordingSes();
    const emailId = await storedEmail();
    const result = (await quietEnvironment().run(activitiesWith(ses).sendEmailViaSes, { orgId, emailId })) as SendOutcome;

    expect(result).toMatchObject({ outcome: 'sent', sesMessageId: expect.stringMatching(/^ses-/) });
    expect(result.outcome === 'sent' && result.busEvent).toMatchObject({ type: 'relay.email.sent', org_id: orgId, data: { email_id: emailId } });
    expect(ses.sent[0]?.tags).toEqual({ product: 'crm', relay_org_id: orgId, relay_email_id: emailId });
    expect((await findEmail(db, orgId, emailId))?.status).toBe('sent');
  });

  it('does not call SES again for a message that already has an SES id (a retried activity)', async () => {
    const ses = new RecordingSes();
    const emailId = await storedEmail();
    const env = quietEnvironment();
    const activities = activitiesWith(ses);
    const first = await env.run(activities.sendEmailViaSes, { orgId, emailId });
    const again = await env.run(activities.sendEmailViaSes, { orgId, emailId });

    expect(again).toMatchObject({ outcome: 'sent', sesMessageId: (first as { sesMessageId: string }).sesMessageId });
    // The Bus event id is the same on every attempt, so the Bus can drop the duplicate.
    expect((again as { busEvent: { id: string } }).busEvent.id).toBe((first as { busEvent: { id: string } }).busEvent.id);
    expect(ses.sent).toHaveLength(1);
    expect((await listEmailEvents(db, orgId, emailId)).map((event) => event.type)).toEqual(['queued', 'sent']);
  });

  it('refuses an email of another organization as not found, without calling SES', async () => {
    const ses = new RecordingSes();
    const emailId = await storedEmail();
    const run = quietEnvironment().run(activitiesWith(ses).sendEmailViaSes, { orgId: randomUUID(), emailId });
    await expect(run).rejects.toMatchObject({ type: 'EmailNotFound', nonRetryable: true });
    expect(ses.sent).toHaveLength(0);
  });

  it('takes a later slot when it wakes too late for its own in a backlog, as on a stalled worker', async () => {
    const ses = new RecordingSes();
    const emailId = await storedEmail();
    // Another send holds the queue's next slot, so this one's starts about 105 ms later; its
    // answer comes 200 ms late: every send due in those 200 ms would go at once.
    const sesPacing = { queue: `ses-${randomUUID()}`, maxSendRate: 10 };
    await reserveSendSlot(db, sesPacing.queue, 1 / sesPacing.maxSendRate);
    const { through, counted } = lateReservationAnswers((answer) => (answer === 1 ? 200 : 0));
    const metrics = createMetrics();

    await quietEnvironment().run(activitiesWith(ses, { through, metrics, sesPacing }).sendEmailViaSes, { orgId, emailId });
    // At least the stalled slot is given up (a busy test machine may stall the next one too).
    expect(counted.answered).toBeGreaterThanOrEqual(2);
    expect((await metrics.sesSlotsRetaken.get()).values[0]?.value).toBe(counted.answered - 1);
    expect(ses.sent).toHaveLength(1);
    expect((await findEmail(db, orgId, emailId))?.status).toBe('sent');
  });

  it('stops giving up late slots on a worker whose sends are late all the time: it is short of CPU, not stalled', async () => {
    const ses = new RecordingSes();
    const sesPacing = { queue: `ses-${randomUUID()}`, maxSendRate: 10 };
    // Every reservation answers 350 ms late, so of four sends reserved at once behind another
    // (slots about 100, 200, 300 and 400 ms on) at least three wake after their slots. At 10
    // sends a second a worker may retake one slot at once, then half a slot a second.
    const { through: alwaysLate } = lateReservationAnswers(() => 350);
    const metrics = createMetrics();
    const activities = activitiesWith(ses, { through: alwaysLate, metrics, sesPacing });
    const emailIds = [await storedEmail(), await storedEmail(), await storedEmail(), await storedEmail()];
    await reserveSendSlot(db, sesPacing.queue, 1 / sesPacing.maxSendRate);

    await Promise.all(emailIds.map((emailId) => quietEnvironment().run(activities.sendEmailViaSes, { orgId, emailId })));
    // One retake; the other late sends go in their late slots (each would retake otherwise).
    expect((await metrics.sesSlotsRetaken.get()).values[0]?.value).toBe(1);
    expect(ses.sent).toHaveLength(4);
  });

  it('keeps a slot that started at once, however late its answer came: no send was due behind it', async () => {
    const ses = new RecordingSes();
    const emailId = await storedEmail();
    const { through, counted } = lateReservationAnswers((answer) => (answer === 1 ? 200 : 0));
    const metrics = createMetrics();

    await quietEnvironment().run(activitiesWith(ses, { through, metrics, sesPacing: { queue: `ses-${randomUUID()}`, maxSendRate: 10 } }).sendEmailViaSes, {
      orgId,
      emailId,
    });
    expect(counted.answered).toBe(1);
    expect((await metrics.sesSlotsRetaken.get()).values[0]?.value).toBe(0);
    expect(ses.sent).toHaveLength(1);
  });

  it('passes SES failures through unchanged so Temporal retries or stops as they say', async () => {
    const ses = new RecordingSes();
    ses.failWith = ApplicationFailure.nonRetryable('rejected', 'SesRejected');
    const emailId = await storedEmail();
    await expect(quietEnvironment().run(activitiesWith(ses).sendEmailViaSes, { orgId, emailId })).rejects.toBe(ses.failWith);
    expect((await findEmail(db, orgId, emailId))?.status).toBe('queued');
  });
});

describe('sendEmailAtOnceIfIdle', () => {
  it('sends at once while no send is queued ahead, taking the slot that starts now', async () => {
    const ses = new RecordingSes();
    const emailId = await storedEmail();
    const metrics = createMetrics();
    const sesPacing = { queue: `ses-${randomUUID()}`, maxSendRate: 1 };
    const activities = activitiesWith(ses, { metrics, sesPacing });
    const result = await quietEnvironment().run(activities.sendEmailAtOnceIfIdle, { orgId, emailId, contentBytes: 200 });

    expect(result).toMatchObject({ outcome: 'sent', sesMessageId: expect.stringMatching(/^ses-/) });
    expect(ses.sent).toHaveLength(1);
    expect((await findEmail(db, orgId, emailId))?.status).toBe('sent');
    expect((await metrics.sesSendsAtOnce.get()).values[0]?.value).toBe(1);
    // The slot counts against the rate: the next send waits its turn, about a second at 1 a second.
    const next = await reserveSendSlot(db, sesPacing.queue, 1);
    expect(next.queued).toBe(true);
  });

  it('answers queued, sending nothing and leaving the email queued, when a send waits ahead or the message is large', async () => {
    const ses = new RecordingSes();
    const sesPacing = { queue: `ses-${randomUUID()}`, maxSendRate: 1 };
    const activities = activitiesWith(ses, { sesPacing });
    const env = quietEnvironment();
    // Two sends hold the schedule's next two seconds.
    await reserveSendSlot(db, sesPacing.queue, 1);
    await reserveSendSlot(db, sesPacing.queue, 1);
    const behindQueue = await storedEmail();
    expect(await env.run(activities.sendEmailAtOnceIfIdle, { orgId, emailId: behindQueue, contentBytes: 200 })).toEqual({ outcome: 'queued' });

    const idle = activitiesWith(ses, { sesPacing: { queue: `ses-${randomUUID()}`, maxSendRate: 1 } });
    const large = await storedEmail();
    expect(await env.run(idle.sendEmailAtOnceIfIdle, { orgId, emailId: large, contentBytes: SEND_AT_ONCE_MAX_BYTES + 1 })).toEqual({ outcome: 'queued' });
    // A run started without the size (before it was passed) is budgeted on the queue too.
    expect(await env.run(idle.sendEmailAtOnceIfIdle, { orgId, emailId: large })).toEqual({ outcome: 'queued' });

    expect(ses.sent).toHaveLength(0);
    expect((await findEmail(db, orgId, behindQueue))?.status).toBe('queued');
    expect((await findEmail(db, orgId, large))?.status).toBe('queued');
  });
});

describe('the SES send schedule', () => {
  it('gives sends reserved at once, from any worker, slots one interval apart, and forgets idle time', async () => {
    const queue = `ses-${randomUUID()}`;
    // Three workers reserving at the same moment at one send per 10 s: no burst, one slot each.
    const asked = Date.now();
    const slots = (await Promise.all([0, 1, 2].map(() => reserveSendSlot(db, queue, 10)))).sort((a, b) => a.startsAt - b.startsAt);
    expect(slots[0]!.startsAt - asked).toBeLessThan(1000);
    expect(slots[1]!.startsAt - slots[0]!.startsAt).toBeCloseTo(10_000, -1);
    expect(slots[2]!.startsAt - slots[1]!.startsAt).toBeCloseTo(10_000, -1);
    expect(slots.map((slot) => slot.queued)).toEqual([false, true, true]);
    // A queue idle for an hour past its schedule sends at once again: the idle time is not saved up as a burst.
    const idle = `ses-${randomUUID()}`;
    await db
      .insertInto('ses_send_schedules')
      .values({ queue: idle, theoretical_arrival: new Date(Date.now() - 3_600_000) })
      .execute();
    const idleAsked = Date.now();
    const [first, second] = (await Promise.all([reserveSendSlot(db, idle, 1), reserveSendSlot(db, idle, 1)])).sort((a, b) => a.startsAt - b.startsAt);
    expect(first!.startsAt - idleAsked).toBeGreaterThanOrEqual(-1);
    expect(second!.startsAt - first!.startsAt).toBeCloseTo(1000, -1);
    expect([first!.queued, second!.queued]).toEqual([false, true]);
  });

  it('lets a send take the slot at once only while no send is queued ahead, and counts it like any other', async () => {
    const queue = `ses-${randomUUID()}`;
    // Idle: the slot that starts now is taken, and the next reservation queues one interval behind it.
    expect(await claimIdleSendSlot(db, queue, 10)).toBe(true);
    expect(await claimIdleSendSlot(db, queue, 10)).toBe(false);
    const next = await reserveSendSlot(db, queue, 10);
    expect(next.queued).toBe(true);
    expect(next.startsAt - Date.now()).toBeGreaterThan(9_000);
    // With that send queued, sending at once is still refused, and the schedule is left as it was.
    const before = await db.selectFrom('ses_send_schedules').select('theoretical_arrival').where('queue', '=', queue).executeTakeFirstOrThrow();
    expect(await claimIdleSendSlot(db, queue, 10)).toBe(false);
    const after = await db.selectFrom('ses_send_schedules').select('theoretical_arrival').where('queue', '=', queue).executeTakeFirstOrThrow();
    expect(after.theoretical_arrival).toEqual(before.theoretical_arrival);
  });

  it('starts a slot where the database placed it, however late its answer arrives', async () => {
    const queue = `ses-${randomUUID()}`;
    // The first answer reaches the worker 300 ms after the database gave it, as on a busy
    // machine; the second at once.
    const { through: unevenAnswers } = lateReservationAnswers((answer) => (answer === 1 ? 300 : 0));
    const { startsAt: first } = await reserveSendSlot(unevenAnswers, queue, 1);
    const answered = Date.now();
    const { startsAt: second } = await reserveSendSlot(unevenAnswers, queue, 1);
    // Well before the answer arrived (timers and Date.now() are only good to the millisecond).
    expect(answered - first).toBeGreaterThan(250);
    // One interval apart, as the database placed them. Counted from each answer's arrival,
    // the first send would go 300 ms late and the second on time: 700 ms apart.
    expect(second - first).toBeCloseTo(1000, -1);
  });
});
