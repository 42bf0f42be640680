// npm run bench: starts its own PostgreSQL, Temporal dev server and SES emulator on
// loopback, then measures, side by side at the same concurrency against the same
// Temporal server:
//   (a) raw client.workflow.start of a no-op workflow per second,
//   (a') the same start carrying what an email's start carries (search attributes, priority,
//       reuse policy, input), so (b)'s Temporal share splits into the start and the rest,
//   (b) accepted POST /api/v1/emails per second with p50/p99 latency, and (b)/(a)
//       (BENCH_ONLY=send runs (a), (a') and (b) alone),
//   (c) the SES send rate reached draining a fresh backlog (once what (a) to (h) queued is
//       done), against SES_MAX_SEND_RATE,
//   (d) signed SNS notifications (SES events) acknowledged per second, p50/p99,
//   (e) inbound email webhooks (Postmark format) acknowledged per second, p50/p99,
//   (f) webhook deliveries per second fanned out to 100 local endpoints, against the
//       ceiling of no-op activities per second in the same shape, and the time from a
//       ticket change to its first delivery attempt,
//   (i) the SES drain rate with and without 100 webhook endpoints that never answer,
//   (j) the signing cost of one webhook delivery with one secret and with two,
//   (g) partner deliveries per second to a local receiver, and the retry gaps of one
//       failing delivery under the production policy,
//   (h) channel webhooks (WhatsApp) acknowledged per second, p50/p99,
//   (k) fair sharing of the SES queue: organization A queues FAIR_BACKLOG emails, then
//       organization B sends FAIR_PROBES; B's time from accept to its SES call (p50, max)
//       and A's drain rate against SES_MAX_SEND_RATE. BENCH_ONLY=fairness runs (k) alone,
//       BENCH_ONLY=drain runs (c) alone,
//   (l)-(n) the dashboard's: activity-log search over 100,000 emails, the API-key
//       revocation window's cost on the send path, first-load JS (bench/dashboard.ts).
//   (o) the API's and `relay worker`'s RSS peaks (each run with deploy/<command>.env's heap
//       settings) over a backlog of MEMORY_BACKLOG emails and over LARGE_SENDS emails with a
//       9.5 MB attachment posted at once, three times; PostgreSQL bytes per stored email
//       (with events) and per inbound message;
//       BENCH_ONLY=memory runs (o) alone; BENCH_ONLY=webhooks runs (f)'s deliveries and
//       latency alone, on `relay worker`.
//   (p) end to end: emails accepted by the API and sent through SES by `relay worker` per
//       second (no send rate binding), against a no-op workflow that runs one no-op
//       activity, started by the bench's client (BENCH_ONLY=e2e runs it alone), with
//       CPU-ms per email and per ceiling workflow by process.
//   (q) received messages: RECEIVED SES events (Delivery, for sent emails), WhatsApp
//       messages and inbound emails (to a support address), each kind acknowledged while no
//       worker runs, then applied by `relay worker`: per second, workflows per message and
//       CPU-ms per message by process (BENCH_ONLY=received; not in the full run).
// Beside (a), (a') and (b): CPU-ms per start and per accepted email by process, and the p50/p99
// of (b), (d), (e) and (h) offered at half the rate each reached.
// BENCH_PROFILE_DIR=<dir>: every process the bench starts writes a V8 CPU profile there.
// Every loop is bounded by a request count.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { Runtime, DefaultLogger, Worker, type NativeConnection } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import protos from '@temporalio/proto';
import { spawn } from 'node:child_process';
import { request } from 'undici';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db/database.js';
import { createCustomer, createTicket } from '../src/helpdesk/repository.js';
import { createSecretBox, generateEncryptionKey } from '../src/security/encryption.js';
import { generateStandardWebhookSecret } from '../src/security/signatures.js';
import { deliveryHeaders } from '../src/webhooks/delivery-headers.js';
import { WEBHOOK_EVENT_CATALOGUE } from '../src/webhooks/event-types.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createApiKey, createOrganization } from '../src/auth/repository.js';
import { insertVerifiedDomain } from '../src/domains/repository.js';
import { insertEmail } from '../src/emails/repository.js';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres.js';
import { FakeSes } from '../test/fakes/fake-ses.js';
import { TOPIC_ARN, makeSigningCertificate, sesEvents, sesNotification } from '../test/support/sns.js';
import { ensureTemporalCli, startTemporalDevServer, stopChild } from '../src/dev/temporal-server.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { connectClient, connectWorker } from '../src/temporal/connection.js';
import type { SendEmailInput } from '../src/temporal/inputs.js';
import { sendPriority } from '../src/temporal/priority.js';
import { RelayKind, RelayMessageId, RelayOrgId } from '../src/temporal/search-attributes.js';
import { startWorker } from '../src/worker/start.js';
import { freePort } from '../test/support/free-port.js';
import { measureActivityLog, measureFirstLoad, measureKeyLookup } from './dashboard.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 500);
const SES_RATE = Number(process.env.BENCH_SES_RATE ?? 50);
const WARMUP = 50;
const WEBHOOK_ENDPOINTS = 100;
/** Ticket changes made at once (deliveries per second), then one at a time (latency). */
const WEBHOOK_BURST = 20;
const WEBHOOK_SINGLES = 30;
const DRAIN_EMAILS = 250;

const FAIR_BACKLOG = Number(process.env.BENCH_FAIR_BACKLOG ?? 2000);
/**
 * Requests per side offered at half the measured capacity (latency at a realistic load):
 * 1,000, so p99 is the tenth slowest (of 200, as before the tenth pass, it was the second).
 */
const HALF_LOAD_REQUESTS = 1000;
/** (o) The backlog whose drain the worker's and the API's memory is watched over. */
const MEMORY_BACKLOG = Number(process.env.BENCH_MEMORY_BACKLOG ?? 3000);
/** (o) Emails with a 9.5 MB attachment posted at once, in each of three rounds. */
const LARGE_SENDS = Number(process.env.BENCH_LARGE_SENDS ?? 16);
/** (p) Emails sent end to end, and no-op workflows run, per side. */
const END_TO_END = Number(process.env.BENCH_END_TO_END ?? 1000);
/** (q): messages of each kind received, then applied by `relay worker`. */
const RECEIVED = Number(process.env.BENCH_RECEIVED ?? 1000);
const FAIR_PROBES = 10;
const ONLY = process.env.BENCH_ONLY;
const TEMPORAL_DB = process.env.BENCH_TEMPORAL_DB ?? 'memory';

const PARTNER_DEBRIEFS = 10;
const PARTNER_ACTIONS = 50;

/**
 * Registers a partner on a loopback receiver, connects one user, and sends
 * PARTNER_DEBRIEFS debriefs of PARTNER_ACTIONS actions (deliveries per second); then one
 * delivery the receiver refuses four times, whose attempt times give the retry gaps the
 * production policy (5 attempts, 1/2/4/8 s) produces.
 */
async function measurePartnerDeliveries({ db, apiUrl, key, orgId }: { db: Db; apiUrl: string; key: string; orgId: string }) {
  const failing = { key: undefined as string | undefined, times: 0 };
  const arrivals: number[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers['x-relayit-idempotency-key'] === failing.key && failing.times < 4) {
        failing.times += 1;
        res.writeHead(502).end();
        return;
      }
      arrivals.push(performance.now());
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"crm-1"}');
    });
  });
  await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', () => listening()));
  const port = (receiver.address() as AddressInfo).port;
  const created = await fetch(`${apiUrl}/api/admin/partners`, {
    method: 'POST',
    headers: { authorization: 'Bearer bench-admin', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench CRM', redirect_uris: ['https://crm.example/cb'], webhook_url: `http://127.0.0.1:${port}/relayit` }),
  });
  if (created.status !== 201) throw new Error(`partner create answered ${created.status}: ${await created.text()}`);
  const partner = (await created.json()) as { id: string };
  const userId = randomUUID();
  const tokenId = randomUUID();
  await db
    .insertInto('users')
    .values({ id: userId, org_id: orgId, hub_user_id: `bench-${userId}`, email: null, name: null })
    .execute();
  await db
    .insertInto('partner_tokens')
    .values({ id: tokenId, token_hash: randomBytes(32), partner_id: partner.id, user_id: userId, scope: 'default', revoked_at: null })
    .execute();
  await db.insertInto('crm_connections').values({ id: randomUUID(), partner_id: partner.id, user_id: userId, token_id: tokenId }).execute();

  const debrief = async (actions: number) => {
    const response = await send(`${apiUrl}/api/v1/debriefs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        user_id: userId,
        actions: Array.from({ length: actions }, (_, index) => ({ action: 'create_note', record_id: `r${index}`, content: 'bench' })),
      }),
    });
    if (response.status !== 202) throw new Error(`debriefs answered ${response.status}: ${response.text}`);
    return (JSON.parse(response.text) as { deliveries: { idempotency_key: string }[] }).deliveries;
  };

  const started = performance.now();
  for (let index = 0; index < PARTNER_DEBRIEFS; index += 1) await debrief(PARTNER_ACTIONS);
  const total = PARTNER_DEBRIEFS * PARTNER_ACTIONS;
  for (let waited = 0; waited < 2400 && arrivals.length < total; waited += 1) await new Promise((wake) => setTimeout(wake, 250));
  const perSecond = arrivals.length / ((Math.max(...arrivals) - started) / 1000);

  const [refused] = await debrief(1);
  failing.key = refused!.idempotency_key;
  const failingKey = failing.key;
  for (let waited = 0; waited < 400; waited += 1) {
    const done = await db.selectFrom('partner_deliveries').select('status').where('idempotency_key', '=', failingKey).executeTakeFirst();
    if (done?.status === 'succeeded') break;
    await new Promise((wake) => setTimeout(wake, 250));
  }
  const attempts = await db.selectFrom('partner_delivery_attempts').select('at').where('idempotency_key', '=', failingKey).orderBy('id').execute();
  const gaps = attempts.slice(1).map((attempt, index) => attempt.at.getTime() - attempts[index]!.at.getTime());
  return { deliveries: arrivals.length, perSecond, gaps, stop: () => new Promise<void>((done) => receiver.close(() => done())) };
}

/** Events per second over a run of timestamps, first to last (n events span n-1 intervals). */
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const steadyRate = (times: number[]) => (times.length - 1) / ((Math.max(...times) - Math.min(...times)) / 1000);

/** The most of `times` (ascending) inside any one-second window. */
function busiestSecond(times: number[]): number {
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i += 1) {
    while (times[i]! - times[j]! >= 1000) j += 1;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

/** (c) printed: the drain rate against SES_MAX_SEND_RATE and the busiest second against it. */
function printDrain(arrivals: number[], compiled: boolean) {
  const rate = steadyRate(arrivals);
  const peak = busiestSecond(arrivals);
  console.log(
    `(c) SES sends draining ${arrivals.length}       ${rate.toFixed(1)}/s of SES_MAX_SEND_RATE ${SES_RATE}/s = ${((100 * rate) / SES_RATE).toFixed(0)} % (target 90-100 %)   busiest 1 s window: ${peak} sends = ${((100 * peak) / SES_RATE).toFixed(0)} % (target <= 105 %)   ${workerLabel(compiled)}`,
  );
}

/**
 * CPU time used so far (ms) by the processes that share the machine's cores during (f): this
 * process alone (the workers and the loopback receivers), the API process, the Temporal
 * server and PostgreSQL, each of those with its descendants and the children it reaped.
 */
function cpuMs(roots: Record<string, number>): Record<string, number> {
  const ticks = 100; // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // After "pid (comm) ": state ppid ... utime(12) stime(13) cutime(14) cstime(15), counted from state = 0.
      stats.set(Number(entry), { ppid: Number(fields[1]), cpu: [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0) });
    } catch {
      // The process ended meanwhile.
    }
  }
  const within = (pid: number, root: number): boolean =>
    pid === root || (root !== process.pid && pid > 1 && stats.has(pid) && within(stats.get(pid)!.ppid, root));
  return Object.fromEntries(
    Object.entries(roots).map(([name, root]) => [
      name,
      ([...stats].filter(([pid]) => within(pid, root)).reduce((sum, [, stat]) => sum + stat.cpu, 0) * 1000) / ticks,
    ]),
  );
}

/** The process whose command line holds `text`. */
function findPid(text: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(text)) return Number(entry);
    } catch {
      // The process ended meanwhile.
    }
  }
  throw new Error(`no process with ${text}`);
}

/** CPU-ms per unit of work between two cpuMs snapshots, by process. */
const cpuPer = (before: Record<string, number>, after: Record<string, number>, units: number) =>
  Object.fromEntries(Object.keys(after).map((name) => [name, (after[name]! - before[name]!) / units]));

/** Each process's mean CPU-ms per unit over measured rounds. */
const meanCpu = (rounds: Record<string, number>[]) =>
  Object.fromEntries(Object.keys(rounds[0] ?? {}).map((name) => [name, mean(rounds.map((round) => round[name]!))]));

/** "name ms, ...": CPU-ms per unit of work by process. */
const cpuEach = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
    .join(', ');

/** "total (name ms, ...)": CPU-ms per unit of work, summed and by process. */
function cpuTotalAndEach(cpu: Record<string, number>): string {
  const total = Object.values(cpu).reduce((sum, ms) => sum + ms, 0);
  return `${total.toFixed(2)} (${cpuEach(cpu)})`;
}

/**
 * The ceiling (f) is measured against: WEBHOOK_BURST workflows started at once, each
 * running WEBHOOK_ENDPOINTS no-op activities on a second task queue whose worker has the
 * deliveries worker's concurrency (the shape of WEBHOOK_BURST events delivered to
 * WEBHOOK_ENDPOINTS endpoints, with nothing done per endpoint): no-op activities completed
 * per second, first to last.
 */
async function createActivityCeiling({
  connection,
  client,
  namespace,
  concurrency,
}: {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  concurrency: number;
}) {
  let completed: number[] = [];
  const workflows = await Worker.create({
    connection,
    namespace,
    taskQueue: 'bench-ceiling',
    workflowsPath: fileURLToPath(new URL('./noop-workflow.ts', import.meta.url)),
  });
  const activities = await Worker.create({
    connection,
    namespace,
    taskQueue: 'bench-ceiling-activities',
    activities: { noopActivity: async () => void completed.push(performance.now()) },
    maxConcurrentActivityTaskExecutions: concurrency,
  });
  const running = Promise.all([workflows.run(), activities.run()]);
  const rig = ceilingRounds(client, async (run) => {
    completed = [];
    await run();
    return completed;
  });
  await rig.warmUp();
  return {
    measure: rig.measure,
    async stop() {
      workflows.shutdown();
      activities.shutdown();
      await running;
    },
  };
}

/** bench/ceiling-worker.ts in a process of its own: the no-op workflows and their no-op activities at `concurrency`. */
const spawnCeilingWorker = (address: string, namespace: string, concurrency: number) =>
  spawn(
    process.execPath,
    [...profileFlags(), '--import', 'tsx', fileURLToPath(new URL('./ceiling-worker.ts', import.meta.url)), address, namespace, String(concurrency)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );

/**
 * The same ceiling with its workers in a process of their own (bench/ceiling-worker.ts),
 * beside a `relay worker` process: completions are timed by the Temporal server
 * (ActivityTaskCompleted events), as the process that runs them cannot tell this one.
 */
async function createActivityCeilingProcess({
  client,
  address,
  namespace,
  concurrency,
}: {
  client: Client;
  address: string;
  namespace: string;
  concurrency: number;
}) {
  const child = spawnCeilingWorker(address, namespace, concurrency);
  const completedEvent = protos.temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED;
  const rig = ceilingRounds(client, async (run) => {
    const handles = await run();
    const histories = await Promise.all(handles.map((handle) => handle.fetchHistory()));
    return histories.flatMap((history) =>
      (history.events ?? [])
        .filter((event) => event.eventType === completedEvent && event.eventTime)
        .map((event) => Number(event.eventTime!.seconds) * 1000 + Number(event.eventTime!.nanos) / 1e6),
    );
  });
  await rig.warmUp();
  return { measure: rig.measure, stop: () => stopChild(child) };
}

/** WEBHOOK_BURST no-op fan-outs at once, the rate their activities completed at (first to last), by `timed`'s clock. */
function ceilingRounds(client: Client, timed: (run: () => Promise<WorkflowHandle[]>) => Promise<number[]>) {
  const fanOut = (id: string) =>
    client.workflow.start('noopFanOutWorkflow', {
      taskQueue: 'bench-ceiling',
      workflowId: `ceiling-${id}-${randomUUID()}`,
      args: [{ count: WEBHOOK_ENDPOINTS, activityTaskQueue: 'bench-ceiling-activities' }],
    });
  return {
    warmUp: async () => void (await (await fanOut('warm-up')).result()),
    async measure() {
      const completed = await timed(async () => {
        const handles = await Promise.all(Array.from({ length: WEBHOOK_BURST }, (_, index) => fanOut(String(index))));
        await Promise.all(handles.map((handle) => handle.result()));
        return handles;
      });
      return { perSecond: steadyRate(completed), count: completed.length };
    },
  };
}

/** Creates `count` webhooks subscribed to `event`, on one loopback receiver, a path each. */
async function createWebhooks(apiUrl: string, key: string, receiverUrl: string, event: string, count: number) {
  for (let index = 0; index < count; index += 1) {
    const response = await fetch(`${apiUrl}/api/trpc/webhooks.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { url: `${receiverUrl}/hook/${index}`, events: [event], secret: 'bench-signing-secret' } }),
    });
    if (response.status !== 200) throw new Error(`webhooks.create answered ${response.status}: ${await response.text()}`);
  }
}

/**
 * WEBHOOK_ENDPOINTS webhooks (one loopback receiver, a path each) subscribed to
 * ticket.priority_changed. `burst()`: WEBHOOK_BURST tickets' priorities changed through
 * the API at once, deliveries per second, from the first attempt logged to the last (each
 * attempt is logged once its receiver has answered).
 * `latency()`: WEBHOOK_SINGLES changes one at a time, each once the one before has its
 * attempts logged: the time from the PATCH to the first delivery attempt that reached a receiver.
 */
async function createWebhookFanOut({ db, apiUrl, key, orgId }: { db: Db; apiUrl: string; key: string; orgId: string }) {
  const arrivals = new Map<string, number[]>();
  const receiver = createServer((req, res) => {
    const eventId = String(req.headers['x-relay-event-id']);
    const at = performance.now();
    req.resume();
    req.on('end', () => {
      arrivals.set(eventId, [...(arrivals.get(eventId) ?? []), at]);
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', () => listening()));
  await createWebhooks(apiUrl, key, `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, 'ticket.priority_changed', WEBHOOK_ENDPOINTS);
  const tickets = await Promise.all(
    Array.from({ length: WEBHOOK_BURST }, () => createTicket(db, { orgId, subject: 'bench', customerId: null, channel: 'email' })),
  );
  // Each change flips a ticket's priority, so every PATCH raises ticket.priority_changed.
  const flips = new Map<string, number>();

  const lastSeq = async () =>
    (
      await db
        .selectFrom('webhook_events')
        .select(({ fn }) => fn.max('seq').as('seq'))
        .executeTakeFirstOrThrow()
    ).seq ?? '0';
  const eventsAfter = async (seq: string) =>
    (await db.selectFrom('webhook_events').select('id').where('type', '=', 'ticket.priority_changed').where('seq', '>', seq).execute()).map((row) => row.id);
  const patch = async (ticketId: string) => {
    const flip = (flips.get(ticketId) ?? 0) + 1;
    flips.set(ticketId, flip);
    const response = await send(`${apiUrl}/api/v1/tickets/${ticketId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ priority: flip % 2 === 0 ? 'high' : 'low' }),
    });
    if (response.status !== 200) throw new Error(`PATCH answered ${response.status}`);
  };
  const deliveredFor = (eventIds: string[]) => eventIds.reduce((total, id) => total + (arrivals.get(id)?.length ?? 0), 0);
  const waitFor = async (eventIds: string[]) => {
    for (let waited = 0; waited < 24_000 && deliveredFor(eventIds) < eventIds.length * WEBHOOK_ENDPOINTS; waited += 1) {
      await new Promise((wake) => setTimeout(wake, 10));
    }
  };

  const attemptsOf = (eventIds: string[]) =>
    db
      .selectFrom('webhook_delivery_attempts')
      .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_delivery_attempts.delivery_id')
      .where('webhook_deliveries.event_id', 'in', eventIds);
  // Once every delivery of the events has its attempt logged: when each was logged (epoch ms,
  // PostgreSQL's clock), the end of a delivery's work, as ActivityTaskCompleted is the
  // ceiling's. It polls a count (cheap beside the work it waits for) and reads the times once.
  const waitForRecorded = async (eventIds: string[]) => {
    for (let waited = 0; waited < 2_400; waited += 1) {
      const { n } = await attemptsOf(eventIds)
        .select(({ fn }) => fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      if (Number(n) >= eventIds.length * WEBHOOK_ENDPOINTS) break;
      await new Promise((wake) => setTimeout(wake, 10));
    }
    const rows = await attemptsOf(eventIds).select('webhook_delivery_attempts.attempted_at').execute();
    return rows.map((row) => row.attempted_at.getTime());
  };

  return {
    /**
     * Deliveries per second, first to last attempt logged; it returns once every attempt is
     * logged, so what follows does not overlap the burst's last ones.
     */
    async burst() {
      const before = await lastSeq();
      await Promise.all(tickets.map((ticket) => patch(ticket.id)));
      const burst = await eventsAfter(before);
      await waitFor(burst);
      const times = await waitForRecorded(burst);
      return { perSecond: steadyRate(times), count: times.length };
    },
    async latency() {
      const firsts: number[] = [];
      for (let single = 0; single < WEBHOOK_SINGLES; single += 1) {
        const before = await lastSeq();
        const sentAt = performance.now();
        await patch(tickets[0]!.id);
        const [eventId] = await eventsAfter(before);
        await waitFor([eventId!]);
        firsts.push(Math.min(...(arrivals.get(eventId!) ?? [Number.NaN])) - sentAt);
        // The next change waits for this one's attempts to be logged (back to back, not overlapping).
        await waitForRecorded([eventId!]);
      }
      firsts.sort((a, b) => a - b);
      const pick = (q: number) => firsts[Math.min(firsts.length - 1, Math.floor(q * firsts.length))] ?? Number.NaN;
      return { p50: pick(0.5), p99: pick(0.99) };
    },
    stop: () => new Promise<void>((done) => receiver.close(() => done())),
  };
}

/**
 * (i) DRAIN_EMAILS emails posted at once drain through SES at SES_MAX_SEND_RATE: once
 * with nothing else going on, once while WEBHOOK_ENDPOINTS webhooks point at a receiver
 * that reads each request and never answers (three events' POSTs, each held for its 30 s).
 */
async function measureDrainBesideHangingWebhooks({
  db,
  apiUrl,
  key,
  orgId,
  ses,
  postEmail,
}: {
  db: Db;
  apiUrl: string;
  key: string;
  orgId: string;
  ses: FakeSes;
  postEmail: (index: number) => Promise<void>;
}) {
  const drain = async (offset: number) => {
    const before = sesSendCount(ses);
    await drive(DRAIN_EMAILS, CONCURRENCY, (index) => postEmail(offset + index));
    await sesSendsReach(ses, before + DRAIN_EMAILS, { polls: 2400, everyMs: 100 });
    const arrivals = ses.sendRequests.slice(before, before + DRAIN_EMAILS).map((request) => request.receivedAt);
    return (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000);
  };
  const alone = await drain(3_000_000);

  const held: ServerResponse[] = [];
  const blackHole = createServer((req, res) => {
    req.resume();
    held.push(res);
  });
  await new Promise<void>((listening) => blackHole.listen(0, '127.0.0.1', () => listening()));
  await createWebhooks(apiUrl, key, `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`, 'customer.updated', WEBHOOK_ENDPOINTS);
  const customer = await createCustomer(db, orgId, { email: `bench-${randomUUID()}@example.org`, name: null, phone: null });
  for (let change = 0; change < 3; change += 1) {
    const response = await fetch(`${apiUrl}/api/v1/customers/${customer.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Bench ${change}` }),
    });
    if (response.status !== 200) throw new Error(`customer PATCH answered ${response.status}`);
  }
  for (let waited = 0; waited < 400 && held.length < WEBHOOK_ENDPOINTS; waited += 1) await new Promise((wake) => setTimeout(wake, 50));
  const hanging = held.length;
  const besideHanging = await drain(4_000_000);
  const stillHanging = held.filter((res) => !res.writableEnded && !res.destroyed).length;
  // Let the deliveries go (they fail and wait for their retry), so what follows has the slots.
  for (const res of held) res.destroy();
  await new Promise<void>((done) => blackHole.close(() => done()));
  return { alone, besideHanging, hanging, stillHanging };
}

/**
 * (j) What signing costs per delivery: a ticket.updated body from the event catalogue,
 * its headers (x-relay-signature and Standard Webhooks' webhook-signature) with one secret
 * and with two (a rotation's overlap), and the same with the secrets unsealed first, as
 * each attempt does.
 */
function measureSigning() {
  const example = WEBHOOK_EVENT_CATALOGUE.find((entry) => entry.type === 'ticket.updated')!.example;
  const body = JSON.stringify(example);
  const box = createSecretBox(generateEncryptionKey());
  const secrets = [generateStandardWebhookSecret(), 'your-signing-secret-of-the-seed'];
  const field = { table: 'webhooks', column: 'secret_sealed', rowId: randomUUID() } as const;
  const sealed = secrets.map((secret) => box.seal(secret, field));
  const perDelivery = (count: number, unseal: boolean) => {
    const sign = () =>
      deliveryHeaders({
        deliveryId: randomUUID(),
        eventId: randomUUID(),
        eventType: 'ticket.updated',
        timestamp: Math.floor(Date.now() / 1000),
        body,
        secrets: unseal ? sealed.slice(0, count).map((secret) => box.open(secret, field)) : secrets.slice(0, count),
      });
    for (let index = 0; index < 2000; index += 1) sign();
    const rounds = 20_000;
    const started = performance.now();
    for (let index = 0; index < rounds; index += 1) sign();
    return ((performance.now() - started) * 1000) / rounds;
  };
  return {
    bodyBytes: body.length,
    one: perDelivery(1, false),
    two: perDelivery(2, false),
    oneUnsealed: perDelivery(1, true),
    twoUnsealed: perDelivery(2, true),
  };
}

/**
 * (k) Organization A queues FAIR_BACKLOG emails through the batch API (priority normal,
 * the same as B's, so only fairness can put B ahead); once they are all accepted,
 * organization B sends FAIR_PROBES single emails. Measured where SES sees them: B's
 * time from its 202 to its SES call, and A's send rate over its whole drain.
 */
async function measureFairSharing({ db, apiUrl, ses }: { db: Db; apiUrl: string; ses: FakeSes }) {
  const orgWithDomain = async (name: string) => {
    const org = await createOrganization(db, name);
    const { key } = await createApiKey(db, { orgId: org.id, scopes: ['send', 'read'] });
    await insertVerifiedDomain(db, org.id, `${name}.example`);
    return { key, from: `notify@${name}.example` };
  };
  const a = await orgWithDomain(`fair-a-${randomUUID().slice(0, 8)}`);
  const b = await orgWithDomain(`fair-b-${randomUUID().slice(0, 8)}`);
  const post = async (key: string, path: string, body: unknown) => {
    const response = await send(`${apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 202) throw new Error(`${path} answered ${response.status}: ${response.text}`);
  };
  const sesCallsFrom = (from: string) =>
    ses.sendRequests
      .map((request) => ({ at: request.receivedAt, body: JSON.parse(request.body) as { FromEmailAddress: string; Destination: { ToAddresses: string[] } } }))
      .filter((call) => call.body.FromEmailAddress === from);

  const batches = Array.from({ length: Math.ceil(FAIR_BACKLOG / 100) }, (_, batch) =>
    Array.from({ length: Math.min(100, FAIR_BACKLOG - batch * 100) }, (_, index) => ({
      from: a.from,
      to: `a-${batch}-${index}@example.org`,
      subject: 'newsletter',
      text: 'hello',
      priority: 'normal',
    })),
  );
  await drive(batches.length, 4, (index) => post(a.key, '/api/v1/emails/batch', batches[index]));

  const acceptedAt = new Map<string, number>();
  await drive(FAIR_PROBES, FAIR_PROBES, async (index) => {
    const to = `b-${index}@example.org`;
    await post(b.key, '/api/v1/emails', { from: b.from, to, subject: 'password reset', text: 'your code' });
    acceptedAt.set(to, performance.now());
  });
  const backlogWhenBSent = FAIR_BACKLOG - sesCallsFrom(a.from).length;
  for (let waited = 0; waited < 2400 && sesCallsFrom(a.from).length < FAIR_BACKLOG; waited += 1) await new Promise((wake) => setTimeout(wake, 250));

  const waits = sesCallsFrom(b.from)
    .map((call) => call.at - acceptedAt.get(call.body.Destination.ToAddresses[0]!)!)
    .sort((x, y) => x - y);
  const drain = sesCallsFrom(a.from).map((call) => call.at);
  return {
    probes: waits.length,
    p50: waits[Math.floor(waits.length / 2)] ?? Number.NaN,
    max: waits.at(-1) ?? Number.NaN,
    backlogWhenBSent,
    drained: drain.length,
    drainRate: (drain.length - 1) / ((drain.at(-1)! - drain[0]!) / 1000),
  };
}

Runtime.install({ logger: new DefaultLogger('ERROR') });

/**
 * Open loop: starts `total` calls of `task` at `perSecond`, each on schedule whether or not
 * earlier ones have answered (as independent clients would), and returns their p50/p99.
 */
async function offer(total: number, perSecond: number, task: (index: number) => Promise<void>) {
  const latencies: number[] = [];
  const started = performance.now();
  const calls: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = started + (index * 1000) / perSecond;
    if (due > performance.now()) await new Promise((wake) => setTimeout(wake, due - performance.now()));
    const t0 = performance.now();
    calls.push(task(index).then(() => void latencies.push(performance.now() - t0)));
  }
  await Promise.all(calls);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { perSecond, p50: at(0.5), p99: at(0.99) };
}

/** A process's resident memory now, in MB (0 once it has ended). */
function rssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Keeps `peak.mb` at the most resident memory `pid` has had, sampled every `everyMs`; stop it with clearInterval. */
const sampleRss = (pid: number, peak: { mb: number }, everyMs: number) => setInterval(() => (peak.mb = Math.max(peak.mb, rssMb(pid))), everyMs);

/** With BENCH_PROFILE_DIR set, each process the bench starts writes a V8 CPU profile there when it exits. */
const profileFlags = () => (process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []);

/** Whether `npm run build` made a compiled build, which bin/relay.mjs then runs (as production does); else tsx. */
const isCompiled = (projectDir: string) => existsSync(resolve(projectDir, 'dist/cli/main.js'));

/** The settings a deployment runs `relay api` or `relay worker` with: its heap (deploy/<command>.env, as docker-compose.yml reads it). */
const deployedEnv = (projectDir: string, command: 'api' | 'worker') => parseEnv(readFileSync(resolve(projectDir, `deploy/${command}.env`), 'utf8'));

/**
 * `relay api` or `relay worker` in a process of its own, as production runs them (with
 * deploy/<command>.env's heap settings): the SES
 * drains are measured on a worker that shares its event loop with neither the load
 * generator nor the loopback SES stand-in.
 */
function spawnRelay(projectDir: string, command: 'api' | 'worker', env: Record<string, string>) {
  return spawn(process.execPath, [...profileFlags(), resolve(projectDir, 'bin/relay.mjs'), command], {
    env: { ...process.env, ...deployedEnv(projectDir, command), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Polls the API's /readyz every 200 ms until it answers 200, at most `attempts` times. */
async function waitUntilReady(apiUrl: string, what: string, attempts: number): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    const ready = await fetch(`${apiUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    if (attempt > attempts) throw new Error(`${what} did not become ready`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

/** `relay api` of its own, as production runs it (the bench's API runs under tsx for its SNS certificate knob), once it is ready. */
async function startRelayApi(projectDir: string, env: Record<string, string>) {
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = spawnRelay(projectDir, 'api', { ...env, PORT: String(apiPort), PUBLIC_URL: apiUrl });
  await waitUntilReady(apiUrl, 'relay api', 300);
  return { api, apiUrl };
}

/** SendEmail calls SES has received, counted without parsing their (possibly large) bodies. */
const sesSendCount = (ses: FakeSes) => ses.sendRequests.length;

/** Waits until SES has received `count` SendEmail calls in all, checking every `everyMs` at most `polls` times, or until `gaveUp` says so. */
async function sesSendsReach(
  ses: FakeSes,
  count: number,
  { polls, everyMs, gaveUp = () => false }: { polls: number; everyMs: number; gaveUp?: () => boolean },
) {
  for (let waited = 0; waited < polls && sesSendCount(ses) < count && !gaveUp(); waited += 1) await new Promise((wake) => setTimeout(wake, everyMs));
}

/**
 * (o) large sends: LARGE_SENDS emails with a 9.5 MB attachment each (12.7 MB of JSON) posted
 * at once, three times, to a `relay api` of its own, then sent by a `relay worker` of its own:
 * what each answered and their RSS peaks. API_BODY_BUDGET_MB and WORKER_SEND_BUDGET_MB
 * (32 MB each by default) are what keep those peaks bounded under deploy/*.env's heap caps.
 */
async function measureLargeSends({
  ses,
  env,
  projectDir,
  postLargeEmail,
}: {
  ses: FakeSes;
  env: Record<string, string>;
  projectDir: string;
  postLargeEmail: (baseUrl: string) => Promise<number>;
}) {
  const { api, apiUrl } = await startRelayApi(projectDir, env);
  const apiPeak = { mb: rssMb(api.pid!) };
  let sampler = sampleRss(api.pid!, apiPeak, 50);
  const statuses: number[] = [];
  for (let round = 0; round < 3; round += 1) statuses.push(...(await Promise.all(Array.from({ length: LARGE_SENDS }, () => postLargeEmail(apiUrl)))));
  clearInterval(sampler);
  const apiAlive = api.exitCode === null;
  await stopChild(api);

  const accepted = statuses.filter((status) => status === 202).length;
  const before = sesSendCount(ses);
  const worker = spawnRelay(projectDir, 'worker', env);
  const workerPeak = { mb: 0 };
  sampler = sampleRss(worker.pid!, workerPeak, 50);
  const started = performance.now();
  await sesSendsReach(ses, before + accepted, { polls: 3000, everyMs: 100, gaveUp: () => worker.exitCode !== null });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const sent = sesSendCount(ses) - before;
  const workerAlive = worker.exitCode === null;
  await stopChild(worker);
  return {
    posted: statuses.length,
    accepted,
    refused: statuses.filter((status) => status === 503).length,
    apiPeak: apiPeak.mb,
    apiAlive,
    sent,
    seconds,
    workerPeak: workerPeak.mb,
    workerAlive,
  };
}

/**
 * (o) MEMORY_BACKLOG emails accepted by the API while no worker runs, then drained by
 * `relay worker` in its own process (as production runs it): the API's RSS peak while it
 * accepts, the worker's while it drains (sampled every 100 ms from its first send; its
 * start, which bundles the workflow code, is reported apart) and the drain's duration.
 */
async function measureMemory({
  ses,
  env,
  projectDir,
  postEmail,
}: {
  ses: FakeSes;
  env: Record<string, string>;
  projectDir: string;
  postEmail: (index: number, baseUrl: string) => Promise<void>;
}) {
  const compiled = isCompiled(projectDir);

  const { api, apiUrl } = await startRelayApi(projectDir, env);
  const apiPeak = { mb: rssMb(api.pid!) };
  const apiBefore = apiPeak.mb;
  const apiSampler = sampleRss(api.pid!, apiPeak, 100);
  await drive(MEMORY_BACKLOG, CONCURRENCY, (index) => postEmail(5_000_000 + index, apiUrl));
  clearInterval(apiSampler);
  await stopChild(api);

  const before = sesSendCount(ses);
  const worker = spawnRelay(projectDir, 'worker', env);
  const startPeak = { mb: 0 };
  let sampler = sampleRss(worker.pid!, startPeak, 100);
  await sesSendsReach(ses, before + 1, { polls: 1200, everyMs: 100 });
  clearInterval(sampler);
  const drainPeak = { mb: rssMb(worker.pid!) };
  sampler = sampleRss(worker.pid!, drainPeak, 100);
  const started = performance.now();
  // Bounded at 20 minutes, or 20 sends a second for larger backlogs (100,000: 83 minutes).
  await sesSendsReach(ses, before + MEMORY_BACKLOG, { polls: Math.max(12_000, MEMORY_BACKLOG / 2), everyMs: 100 });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const drained = sesSendCount(ses) - before;
  await stopChild(worker);
  return { apiBefore, apiPeak: apiPeak.mb, workerStart: startPeak.mb, workerPeak: drainPeak.mb, drained, seconds, compiled };
}

/** What (q) receives of one kind: how one message is posted (after `prepare`), and the workflow that applies it. */
interface ReceivedKind {
  name: string;
  workflowType: string;
  prepare?: (index: number) => Promise<void>;
  post: (index: number) => Promise<void>;
}

/**
 * (q) RECEIVED messages of one kind acknowledged by the API while no worker runs; then
 * `relay worker` applies them. The rate is first to last close of their workflows; CPU is
 * counted from the first one closed (the worker's start left out) to the last, over the
 * ones closed in between, and so are the workflows of any kind that ran (fan-outs too).
 */
async function measureReceived({
  kind,
  client,
  projectDir,
  env,
  processes,
}: {
  kind: ReceivedKind;
  client: Client;
  projectDir: string;
  env: Record<string, string>;
  processes: Record<string, number>;
}) {
  for (let index = 0; index < RECEIVED && kind.prepare; index += 1) await kind.prepare(index);
  await drive(RECEIVED, CONCURRENCY, kind.post);
  const closed = async (query = '') => (await client.workflow.count(`ExecutionStatus = "Completed"${query}`)).count;
  const ofKind = ` AND WorkflowType = "${kind.workflowType}"`;
  const closedBefore = await closed();

  const worker = spawnRelay(projectDir, 'worker', env);
  const workerProcesses = { ...processes, worker: worker.pid! };
  let done = 0;
  for (let waited = 0; waited < 1200 && done === 0; waited += 1) {
    await new Promise((wake) => setTimeout(wake, 100));
    done = await closed(ofKind);
  }
  const before = cpuMs(workerProcesses);
  const doneAtStart = done;
  for (let waited = 0; waited < 1200 && (await client.workflow.count('ExecutionStatus = "Running"')).count > 0; waited += 1) {
    await new Promise((wake) => setTimeout(wake, 100));
  }
  const after = cpuMs(workerProcesses);
  await stopChild(worker);
  done = await closed(ofKind);
  if (done < RECEIVED) throw new Error(`${kind.name}: ${RECEIVED - done} of ${RECEIVED} still unapplied after 2 minutes`);
  const times: number[] = [];
  for await (const execution of client.workflow.list({ query: `ExecutionStatus = "Completed"${ofKind}` })) times.push(execution.closeTime!.getTime());
  return {
    perSecond: steadyRate(times),
    count: done,
    workflowsEach: ((await closed()) - closedBefore) / RECEIVED,
    cpu: cpuPer(before, after, done - doneAtStart),
  };
}

/**
 * (p) End to end against its ceiling, at the same concurrency (CONCURRENCY callers):
 * - the ceiling: END_TO_END workflows that each run one no-op activity, started by the
 *   bench's client, their workers in a process of their own (bench/ceiling-worker.ts):
 *   completions per second, from the first start to the last workflow's close;
 * - Relay: END_TO_END emails accepted by `POST /api/v1/emails` and sent through SES by
 *   `relay worker` in its own process, the SES stand-in answering at once and no send rate
 *   binding: emails per second, from the first POST to SES's last SendEmail.
 * Both after a warm-up through the same path, on queues nothing else uses.
 */
async function measureEndToEnd({
  client,
  address,
  namespace,
  ses,
  projectDir,
  env,
  postEmail,
  processes,
}: {
  client: Client;
  address: string;
  namespace: string;
  ses: FakeSes;
  projectDir: string;
  env: Record<string, string>;
  postEmail: (index: number) => Promise<void>;
  processes: Record<string, number>;
}) {
  const ceilingWorker = spawnCeilingWorker(address, namespace, 100);
  const ceilingProcesses = { ...processes, worker: ceilingWorker.pid! };
  const startNoopWithActivity = (id: string) =>
    client.workflow.start('noopFanOutWorkflow', {
      taskQueue: 'bench-ceiling',
      workflowId: `end-to-end-ceiling-${id}-${randomUUID()}`,
      args: [{ count: 1, activityTaskQueue: 'bench-ceiling-activities' }],
    });
  await drive(WARMUP, CONCURRENCY, async (index) => void (await (await startNoopWithActivity(`warm-up-${index}`)).result()));
  const ceilingStarted = Date.now();
  let before = cpuMs(ceilingProcesses);
  const handles: WorkflowHandle[] = [];
  await drive(END_TO_END, CONCURRENCY, async (index) => void handles.push(await startNoopWithActivity(String(index))));
  for (const handle of handles) await handle.result();
  const ceilingCpu = cpuPer(before, cpuMs(ceilingProcesses), END_TO_END);
  const closed = await Promise.all(handles.map(async (handle) => (await handle.describe()).closeTime!.getTime()));
  const ceiling = END_TO_END / ((Math.max(...closed) - ceilingStarted) / 1000);
  await stopChild(ceilingWorker);

  const worker = spawnRelay(projectDir, 'worker', { ...env, SES_MAX_SEND_RATE: '100000' });
  const relayProcesses = { ...processes, worker: worker.pid! };
  const warmUpFrom = sesSendCount(ses);
  await drive(WARMUP, CONCURRENCY, (index) => postEmail(8_000_000 + index));
  await sesSendsReach(ses, warmUpFrom + WARMUP, { polls: 6000, everyMs: 50 });
  const from = sesSendCount(ses);
  const started = performance.now();
  before = cpuMs(relayProcesses);
  await drive(END_TO_END, CONCURRENCY, (index) => postEmail(8_100_000 + index));
  await sesSendsReach(ses, warmUpFrom + WARMUP + END_TO_END, { polls: 6000, everyMs: 50 });
  const relayCpu = cpuPer(before, cpuMs(relayProcesses), END_TO_END);
  const sends = ses.sendRequests.slice(from);
  const relay = sends.length / ((Math.max(...sends.map((request) => request.receivedAt)) - started) / 1000);
  await stopChild(worker);
  return { ceiling, relay, sent: sends.length, ceilingCpu, relayCpu };
}

function printEndToEnd(result: Awaited<ReturnType<typeof measureEndToEnd>>, compiled: boolean) {
  console.log(
    `(p) end to end: ${result.sent} emails accepted and sent through SES ${result.relay.toFixed(1)}/s   ceiling (no-op workflow + one no-op activity) ${result.ceiling.toFixed(1)}/s   ratio ${(result.relay / result.ceiling).toFixed(2)} (target >= 0.8)   ${workerLabel(compiled)}`,
  );
  console.log(`    CPU-ms per ceiling workflow: ${cpuTotalAndEach(result.ceilingCpu)}`);
  console.log(`    CPU-ms per email:            ${cpuTotalAndEach(result.relayCpu)}`);
}

/** PostgreSQL bytes (tables, indexes, TOAST) per stored email with its events, and per inbound message with its attachments and routing. */
async function measureStorage(db: Db) {
  const perRow = async (tables: string[], counted: string) => {
    const size = await sql<{ bytes: string }>`select ${sql.join(
      tables.map((table) => sql`pg_total_relation_size(${table})`),
      sql` + `,
    )} as bytes`.execute(db);
    const rows = await sql<{ n: string }>`select count(*) as n from ${sql.table(counted)}`.execute(db);
    const count = Number(rows.rows[0]!.n);
    return { bytes: Number(size.rows[0]!.bytes) / Math.max(1, count), count };
  };
  return {
    email: await perRow(['emails', 'email_events'], 'emails'),
    inbound: await perRow(['inbound_messages', 'inbound_attachments', 'inbound_routing_attempts'], 'inbound_messages'),
  };
}

/** (f)'s two lines: the ceiling, then the deliveries against it and change → first attempt; each note says how it ran. */
function printFanOut({
  ceilings,
  deliveries,
  latency,
  ceilingNote,
  deliveriesNote = '',
}: {
  ceilings: number[];
  deliveries: number[];
  latency: { p50: number; p99: number };
  ceilingNote: string;
  deliveriesNote?: string;
}) {
  const rounds = (values: number[]) => values.map((value) => value.toFixed(1)).join(', ');
  const ceiling = mean(ceilings);
  const perSecond = mean(deliveries);
  console.log(`(f) no-op activity ceiling           ${ceiling.toFixed(1)}/s   (${ceilingNote}; rounds ${rounds(ceilings)})`);
  console.log(
    `    webhook deliveries to ${WEBHOOK_ENDPOINTS} endpoints ${perSecond.toFixed(1)}/s = ${(perSecond / ceiling).toFixed(2)} x ceiling (target >= 0.8; rounds ${rounds(deliveries)})   ticket change → first attempt p50 ${latency.p50.toFixed(1)} ms   p99 ${latency.p99.toFixed(1)} ms (target <= 200)${deliveriesNote}`,
  );
}

/** (o) whole: the backlog's memory, then storage (before the large sends, whose attachments would swamp the bytes per email), then the large sends. */
async function measureMemoryAndStorage(deps: Parameters<typeof measureMemory>[0] & Parameters<typeof measureLargeSends>[0] & { db: Db }) {
  const memory = await measureMemory(deps);
  const storage = await measureStorage(deps.db);
  return { memory, storage, large: await measureLargeSends(deps) };
}

function printMemory({ memory, large, storage }: Awaited<ReturnType<typeof measureMemoryAndStorage>>) {
  const fmt = (n: number) => n.toFixed(0);
  console.log(
    `(o) backlog of ${MEMORY_BACKLOG} (${memory.compiled ? 'compiled build' : 'under tsx: npm run build first for the production figures'}): relay api RSS ${fmt(memory.apiBefore)} → peak ${fmt(memory.apiPeak)} MB accepting (target < 200)   relay worker RSS peak ${fmt(memory.workerPeak)} MB draining ${memory.drained} in ${memory.seconds.toFixed(0)} s (target < 400; ${fmt(memory.workerStart)} MB once started)`,
  );
  console.log(
    `    large sends, ${LARGE_SENDS} at once x 3 (9.5 MB attachment each): relay api answered ${large.accepted} 202, ${large.refused} 503 of ${large.posted}, RSS peak ${fmt(large.apiPeak)} MB${large.apiAlive ? '' : ' (IT EXITED)'}   relay worker sent ${large.sent} in ${large.seconds.toFixed(1)} s, RSS peak ${fmt(large.workerPeak)} MB${large.workerAlive ? '' : ' (IT EXITED)'}   (heap caps: deploy/api.env, deploy/worker.env)`,
  );
  console.log(
    `    PostgreSQL bytes per stored email with its events ${fmt(storage.email.bytes)} (${storage.email.count} emails)   per inbound message ${storage.inbound.count > 0 ? `${fmt(storage.inbound.bytes)} (${storage.inbound.count} messages)` : '- (none stored in this run)'}`,
  );
}

/**
 * The load generators' HTTP call: undici's request, as Relay's own client makes its calls,
 * at about a fifth of fetch's CPU per call on this machine (57–117 µs against 297–602 µs),
 * so the bench takes less of the two cores from what it measures. The body is read whole.
 */
async function send(url: string, init: { method: 'POST' | 'PATCH'; headers: Record<string, string>; body: string }): Promise<{ status: number; text: string }> {
  const response = await request(url, init);
  return { status: response.statusCode, text: await response.body.text() };
}

/** POSTs JSON with the bench's API key; anything but `expected` stops the bench. */
async function postJson(apiUrl: string, key: string, path: string, body: unknown, expected: number): Promise<void> {
  const response = await send(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== expected) throw new Error(`${path} answered ${response.status}: ${response.text}`);
}

/** One inbound email in Postmark's JSON format (token-verified); a fresh Message-ID each call. */
async function postInboundEmail(apiUrl: string, { index, to, from }: { index: number; to: string; from: string }): Promise<void> {
  const response = await send(`${apiUrl}/api/webhooks/inbound-email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-postmark-token': 'bench-token' },
    body: JSON.stringify({ From: from, To: to, Subject: `bench ${index}`, TextBody: 'hello', MessageID: `bench-${index}-${randomUUID()}` }),
  });
  if (response.status !== 200) throw new Error(`inbound answered ${response.status}: ${response.text}`);
}

/** One WhatsApp text message to the channel `phoneNumberId`, signed with its app secret (bench-app-secret) as Meta signs. */
async function postWhatsappMessage(apiUrl: string, phoneNumberId: string, messageId: string, from: string): Promise<void> {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              metadata: { phone_number_id: phoneNumberId },
              messages: [{ from, id: `wamid.bench-${messageId}`, type: 'text', text: { body: 'hello' } }],
            },
          },
        ],
      },
    ],
  });
  const signature = `sha256=${createHmac('sha256', 'bench-app-secret').update(body).digest('hex')}`;
  const response = await send(`${apiUrl}/api/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body,
  });
  if (response.status !== 200) throw new Error(`whatsapp answered ${response.status}: ${response.text}`);
}

type Measured = Awaited<ReturnType<typeof drive>> & { cpu: Record<string, number> };

/** Runs `total` calls of `task` with `concurrency` in flight; returns wall time and each call's latency. */
async function drive(total: number, concurrency: number, task: (index: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const index = next++;
        const t0 = performance.now();
        await task(index);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { perSecond: total / seconds, p50: at(0.5), p99: at(0.99) };
}

async function main() {
  // (j) first, on a machine not yet busy with the services.
  const signing = measureSigning();
  const projectDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const scratch = await mkdtemp(join(tmpdir(), 'relay-bench-'));
  await chmod(scratch, 0o755);
  const [binary, pgPort, temporalPort] = await Promise.all([ensureTemporalCli(projectDir, process.env, console.log), freePort(), freePort()]);
  const postgres = await startEmbeddedPostgres({ dir: join(scratch, 'pg'), port: pgPort });
  // In memory by default; BENCH_TEMPORAL_DB=file for long runs: the in-memory server kept a
  // 100,000-email backlog's histories in 22 GB of RSS before this machine ran out.
  const temporal = await startTemporalDevServer({ binary, port: temporalPort, dbFile: TEMPORAL_DB === 'file' ? join(scratch, 'temporal.db') : undefined });
  // SES is played by a recording fake so arrival times are measured where SES would see them.
  const ses = await new FakeSes().start();
  await postgres.ensureDatabase('relay');

  const benchEnv = {
    LOG_LEVEL: 'silent',
    DATABASE_URL: postgres.urlFor('relay'),
    TEMPORAL_ADDRESS: temporal.address,
    SES_ENDPOINT: ses.url,
    SES_MAX_SEND_RATE: String(SES_RATE),
    SNS_TOPIC_ARNS: TOPIC_ARN,
    POSTMARK_INBOUND_TOKEN: 'bench-token',
    RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
    RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
    RELAY_ADMIN_KEY: 'bench-admin',
  };
  const config = loadConfig(benchEnv);
  const logger = createLogger({ level: 'silent' });
  const metrics = createMetrics();
  const db = createDb(postgres.urlFor('relay'), { maxConnections: 20 });
  await migrateToLatest(db);
  const temporalConfig = { ...config.temporal, address: temporal.address };
  const client = await connectClient(temporalConfig);
  // The API runs in its own process, as `relay api` does in production, so the load
  // generator does not share its event loop. Its only difference: SNS certificates come
  // from the file the bench made.
  const { key: snsKey, certificate } = makeSigningCertificate();
  const certificateFile = join(scratch, 'sns-cert.pem');
  await writeFile(certificateFile, certificate);
  const apiPort = await freePort();
  const api = spawn(process.execPath, [...profileFlags(), '--import', 'tsx', resolve(projectDir, 'bench/api-process.ts'), certificateFile], {
    env: { ...process.env, ...deployedEnv(projectDir, 'api'), ...benchEnv, PORT: String(apiPort) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitUntilReady(apiUrl, 'the API', 100);
  const org = await createOrganization(db, 'bench');
  const { key } = await createApiKey(db, { orgId: org.id, scopes: ['send', 'read', 'webhooks', 'debriefs', 'admin', 'helpdesk'] });
  await insertVerifiedDomain(db, org.id, 'example.com');
  const stopServices = async () => {
    await stopChild(api);
    await client.connection.close();
    await db.destroy();
    await ses.stop();
    await temporal.stop();
    await postgres.stop();
    await rm(scratch, { recursive: true, force: true });
  };

  // CPU is counted for: this process (the load generator, the bench's Temporal client and,
  // from (c) on, the workers and loopback receivers), the API, the Temporal server, PostgreSQL.
  const processes = {
    'bench+workers': process.pid,
    api: api.pid!,
    temporal: findPid(`--port ${temporalPort}`),
    postgres: Number(readFileSync(join(scratch, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]),
  };

  const startNoop = (index: number) =>
    client.workflow.start('noopWorkflow', { taskQueue: 'bench-noop', workflowId: `noop-${index}-${Date.now()}` }).then(() => undefined);
  // (a') A no-op start with everything an email's start carries (search attributes, priority and
  // fairness key, the reuse policy, an input of the same shape): what of (b)'s Temporal share
  // is the start itself, against the API's work around it.
  const startNoopAsEmail = (index: number) => {
    const emailId = randomUUID();
    return client.workflow
      .start('noopWorkflow', {
        taskQueue: 'bench-noop',
        workflowId: `email-like-${index}-${Date.now()}`,
        args: [{ orgId: org.id, emailId, priority: 'normal', contentBytes: 180, sendPath: 'at-once-when-idle' } satisfies SendEmailInput],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: RelayKind, value: 'email' },
          { key: RelayOrgId, value: org.id },
          { key: RelayMessageId, value: emailId },
        ],
        priority: sendPriority(org.id, 'normal'),
      })
      .then(() => undefined);
  };
  const postEmail = async (index: number, baseUrl = apiUrl) => {
    const response = await send(`${baseUrl}/api/v1/emails`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'bench@example.com', to: `r${index}@example.org`, subject: `bench ${index}`, text: 'hello' }),
    });
    if (response.status !== 202) throw new Error(`send answered ${response.status}: ${response.text}`);
  };

  // 9.5 MB of attachment (12.7 MB of base64), random so PostgreSQL cannot compress it away.
  const largeBody = JSON.stringify({
    from: 'bench@example.com',
    to: 'large@example.org',
    subject: 'large',
    text: 'see attached',
    attachments: [{ filename: 'large.bin', content: randomBytes(9.5 * 1024 * 1024).toString('base64'), content_type: 'application/octet-stream' }],
  });
  const postLargeEmail = async (baseUrl: string) => {
    const response = await send(`${baseUrl}/api/v1/emails`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: largeBody,
    });
    return response.status;
  };

  if (ONLY === 'fairness') {
    const worker = spawnRelay(projectDir, 'worker', benchEnv);
    const fair = await measureFairSharing({ db, apiUrl, ses });
    console.log(`\nRelay benchmark — fair sharing only, SES_MAX_SEND_RATE ${SES_RATE}/s, loopback, one Temporal dev server`);
    printFairness(fair, isCompiled(projectDir));
    await stopChild(worker);
    await stopServices();
    return;
  }

  if (ONLY === 'memory') {
    const memory = await measureMemoryAndStorage({ ses, env: benchEnv, projectDir, postEmail, postLargeEmail, db });
    console.log(`\nRelay benchmark — memory and storage only, loopback, one Temporal dev server`);
    printMemory(memory);
    await stopServices();
    return;
  }

  if (ONLY === 'webhooks') {
    // (f)'s deliveries and change → first attempt alone, on `relay worker` in its own process.
    const worker = spawnRelay(projectDir, 'worker', benchEnv);
    const ceilingRig = await createActivityCeilingProcess({
      client,
      address: temporal.address,
      namespace: config.temporal.namespace,
      concurrency: config.deliveries.concurrency,
    });
    const fanOutRig = await createWebhookFanOut({ db, apiUrl, key, orgId: org.id });
    await fanOutRig.burst(); // the worker's start, connections and JIT
    // Alternating, so neither side gets a quieter machine.
    const ceilings: number[] = [];
    const rounds: number[] = [];
    for (let round = 0; round < 2; round += 1) {
      ceilings.push((await ceilingRig.measure()).perSecond);
      rounds.push((await fanOutRig.burst()).perSecond);
    }
    const latency = await fanOutRig.latency();
    console.log(`\nRelay benchmark — webhook fan-out only, ${WEBHOOK_ENDPOINTS} endpoints, loopback, one Temporal dev server`);
    printFanOut({
      ceilings,
      deliveries: rounds,
      latency,
      ceilingNote: 'its workers in a process of their own',
      deliveriesNote: `   (relay worker${isCompiled(projectDir) ? ', compiled' : ', under tsx'})`,
    });
    await fanOutRig.stop();
    await ceilingRig.stop();
    await stopChild(worker);
    await stopServices();
    return;
  }

  if (ONLY === 'e2e') {
    const endToEnd = await measureEndToEnd({
      client,
      address: temporal.address,
      namespace: config.temporal.namespace,
      ses,
      projectDir,
      env: benchEnv,
      postEmail,
      processes,
    });
    console.log(`\nRelay benchmark — end to end only, concurrency ${CONCURRENCY}, loopback, one Temporal dev server`);
    printEndToEnd(endToEnd, isCompiled(projectDir));
    await stopServices();
    return;
  }

  if (ONLY === 'received') {
    // (q) As in production, every message is for the organization: SES events for emails it
    // sent, WhatsApp messages to its channel, inbound mail to its support address.
    await postJson(apiUrl, key, '/api/v1/channels', { type: 'whatsapp', address: '100000002', secret: 'bench-app-secret', verify_token: 'bench-verify' }, 201);
    await postJson(apiUrl, key, '/api/v1/inbound-addresses', { address: 'help@example.com' }, 201);
    const kinds: ReceivedKind[] = [
      {
        name: 'SES events (Delivery)',
        workflowType: 'processSesEventWorkflow',
        prepare: async (index) => {
          const id = randomUUID();
          const emailContent = {
            from: 'bench@example.com',
            to: [`q${index}@example.org`],
            cc: [],
            bcc: [],
            reply_to: [],
            subject: 'q',
            html: null,
            text: 'hi',
            headers: {},
            attachments: [],
          };
          await insertEmail(db, { id, orgId: org.id, content: emailContent, tags: {}, metadata: {} });
          await db
            .updateTable('emails')
            .set({ ses_message_id: `bench-q-${index}`, status: 'sent' })
            .where('id', '=', id)
            .execute();
        },
        post: async (index) => {
          const to = [`q${index}@example.org`];
          const body = JSON.stringify(sesNotification(snsKey, sesEvents.delivery(sesEvents.mail(`bench-q-${index}`, to), to)));
          const response = await send(`${apiUrl}/api/webhooks/ses`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
          if (response.status !== 200) throw new Error(`SNS answered ${response.status}: ${response.text}`);
        },
      },
      {
        name: 'WhatsApp messages',
        workflowType: 'channelMessageWorkflow',
        post: (index) => postWhatsappMessage(apiUrl, '100000002', `q-${index}`, `1556${index % 200}`),
      },
      {
        name: 'inbound emails',
        workflowType: 'processInboundWorkflow',
        post: (index) => postInboundEmail(apiUrl, { index, to: 'help@example.com', from: `client-${index % 200}@example.org` }),
      },
    ];
    console.log(`\nRelay benchmark — received messages only, ${RECEIVED} of each kind, loopback, one Temporal dev server`);
    for (const kind of kinds) {
      const result = await measureReceived({ kind, client, projectDir, env: benchEnv, processes });
      console.log(
        `(q) ${kind.name.padEnd(22)} applied by relay worker ${result.perSecond.toFixed(1)}/s   ${result.workflowsEach.toFixed(2)} workflows each   ${workerLabel(isCompiled(projectDir))}`,
      );
      console.log(`    CPU-ms per message: ${cpuTotalAndEach(result.cpu)}`);
    }
    await stopServices();
    return;
  }

  if (ONLY === 'drain') {
    console.log(`\nRelay benchmark — SES drain only, ${BACKLOG} emails, loopback, one Temporal dev server`);
    printDrain(await measureDrain({ ses, projectDir, env: benchEnv, postEmail }), isCompiled(projectDir));
    await stopServices();
    return;
  }

  // Warm every path (connections, JIT) before measuring; the warm-up emails join the backlog.
  await drive(WARMUP, CONCURRENCY, (i) => startNoop(1_000_000 + i));
  await drive(WARMUP, CONCURRENCY, (i) => startNoopAsEmail(1_000_000 + i));
  await drive(WARMUP, CONCURRENCY, (i) => postEmail(1_000_000 + i));

  // (a), (a') and (b) alternate in two rounds so none gets a quieter server.
  const fmt = (n: number) => n.toFixed(1);
  const raw: Measured[] = [];
  const rawAsEmail: Measured[] = [];
  const sends: Measured[] = [];
  for (let round = 0; round < 2; round += 1) {
    const measure = async (task: (index: number) => Promise<void>): Promise<Measured> => {
      const before = cpuMs(processes);
      const result = await drive(REQUESTS / 2, CONCURRENCY, (i) => task(round * REQUESTS + i));
      return { ...result, cpu: cpuPer(before, cpuMs(processes), REQUESTS / 2) };
    };
    raw.push(await measure(startNoop));
    rawAsEmail.push(await measure(startNoopAsEmail));
    sends.push(await measure(postEmail));
  }
  const rawRate = mean(raw.map((r) => r.perSecond));
  const sendRate = mean(sends.map((r) => r.perSecond));
  const printStarts = () => {
    const latencies = (results: Measured[]) => `p50 ${fmt(mean(results.map((r) => r.p50)))} ms   p99 ${fmt(mean(results.map((r) => r.p99)))} ms`;
    console.log(`(a) raw workflow.start (no-op)      ${fmt(rawRate)}/s   ${latencies(raw)}`);
    console.log(
      `(a') raw start as an email's        ${fmt(mean(rawAsEmail.map((r) => r.perSecond)))}/s   ${latencies(rawAsEmail)}   (its search attributes, priority, reuse policy, input)`,
    );
    console.log(`(b) POST /api/v1/emails accepted     ${fmt(sendRate)}/s   ${latencies(sends)}`);
    console.log(`    ratio (b)/(a)                    ${(sendRate / rawRate).toFixed(2)}   (target >= 0.8)`);
    console.log(`    CPU-ms per raw start:       ${cpuTotalAndEach(meanCpu(raw.map((r) => r.cpu)))}`);
    console.log(`    CPU-ms per start as email:  ${cpuTotalAndEach(meanCpu(rawAsEmail.map((r) => r.cpu)))}`);
    console.log(`    CPU-ms per accepted email:  ${cpuTotalAndEach(meanCpu(sends.map((r) => r.cpu)))}`);
  };
  if (ONLY === 'send') {
    console.log(`\nRelay benchmark — send API only, concurrency ${CONCURRENCY}, ${REQUESTS} requests per side, loopback, one Temporal dev server`);
    printStarts();
    await stopServices();
    return;
  }

  // (d) Signed SNS notifications (SES Delivery events) acknowledged by /api/webhooks/ses.
  const notifications = Array.from({ length: REQUESTS + HALF_LOAD_REQUESTS }, (_, index) =>
    JSON.stringify(sesNotification(snsKey, sesEvents.delivery(sesEvents.mail(`bench-${index}`, ['r@example.org']), ['r@example.org']))),
  );
  const postSns = async (index: number) => {
    const response = await send(`${apiUrl}/api/webhooks/ses`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: notifications[index]! });
    if (response.status !== 200) throw new Error(`SNS answered ${response.status}: ${response.text}`);
  };
  const sns = await drive(REQUESTS, CONCURRENCY, postSns);

  // (e) Inbound email webhooks (Postmark's JSON format) acknowledged: verified, stored, workflow started.
  const postInbound = (index: number) => postInboundEmail(apiUrl, { index, to: 'help@acme.example', from: 'client@example.org' });
  const inbound = await drive(REQUESTS, CONCURRENCY, postInbound);

  // (h) Channel webhooks (WhatsApp, signed with the channel's app secret) acknowledged.
  await postJson(apiUrl, key, '/api/v1/channels', { type: 'whatsapp', address: '100000001', secret: 'bench-app-secret', verify_token: 'bench-verify' }, 201);
  const postWhatsapp = (index: number) => postWhatsappMessage(apiUrl, '100000001', String(index), `1555${index % 200}`);
  const channels = await drive(REQUESTS, CONCURRENCY, postWhatsapp);

  // Latency at a realistic load: each of (b), (d), (e), (h) offered at half the rate it reached.
  const halfLoad = {
    'POST /api/v1/emails': await offer(HALF_LOAD_REQUESTS, sendRate / 2, (i) => postEmail(2_000_000 + i)),
    'SNS (SES events)': await offer(HALF_LOAD_REQUESTS, sns.perSecond / 2, (i) => postSns(REQUESTS + i)),
    'inbound email': await offer(HALF_LOAD_REQUESTS, inbound.perSecond / 2, (i) => postInbound(2_000_000 + i)),
    WhatsApp: await offer(HALF_LOAD_REQUESTS, channels.perSecond / 2, (i) => postWhatsapp(2_000_000 + i)),
  };
  // The same for raw starts at half (a)'s rate: what of the tail is the Temporal server's own.
  const halfLoadRawStarts = await offer(HALF_LOAD_REQUESTS, rawRate / 2, (i) => startNoop(3_000_000 + i));

  // Everything (a) to (h) queued (no worker ran yet) is done by `relay worker` before the
  // drain, so (c) measures the SES path at its limit, not a worker busy with thousands of
  // other runs on the same two cores (before the fifth pass it drained behind them: 49 %).
  const backlogWorker = spawnRelay(projectDir, 'worker', benchEnv);
  for (let waited = 0; waited < 600; waited += 1) {
    const { count } = await client.workflow.count(`ExecutionStatus = "Running" AND TaskQueue = "${config.temporal.taskQueue}"`);
    if (count === 0) break;
    await new Promise((wake) => setTimeout(wake, 500));
  }
  await stopChild(backlogWorker);
  // (c) A fresh backlog accepted while no worker runs, drained by `relay worker`.
  const arrivals = await measureDrain({ ses, projectDir, env: benchEnv, postEmail });

  // (f) Ticket changes fanned out to WEBHOOK_ENDPOINTS local webhooks, with nothing else
  // queued, so it measures webhooks alone; beside it, the ceiling of no-op activities in the
  // same shape. From here the worker runs in this process, whose CPU is counted with the
  // load generator's.
  const connection = await connectWorker(temporalConfig);
  const worker = await startWorker({ config: { ...config, temporal: temporalConfig }, db, client, connection, logger, metrics });
  const ceilingRig = await createActivityCeiling({ connection, client, namespace: config.temporal.namespace, concurrency: config.deliveries.concurrency });
  const fanOutRig = await createWebhookFanOut({ db, apiUrl, key, orgId: org.id });
  // Two rounds, alternating, so neither side gets a quieter machine.
  const ceilings: { perSecond: number; cpu: Record<string, number> }[] = [];
  const bursts: { perSecond: number; cpu: Record<string, number> }[] = [];
  for (let round = 0; round < 2; round += 1) {
    let before = cpuMs(processes);
    const ceilingRound = await ceilingRig.measure();
    ceilings.push({ perSecond: ceilingRound.perSecond, cpu: cpuPer(before, cpuMs(processes), ceilingRound.count) });
    before = cpuMs(processes);
    const burstRound = await fanOutRig.burst();
    bursts.push({ perSecond: burstRound.perSecond, cpu: cpuPer(before, cpuMs(processes), burstRound.count) });
  }
  const latency = await fanOutRig.latency();
  await ceilingRig.stop();
  // (i) The SES drain alone, then beside 100 endpoints that never answer.
  const isolation = await measureDrainBesideHangingWebhooks({ db, apiUrl, key, orgId: org.id, ses, postEmail });

  // (g) Partner deliveries to one local receiver, and the retry gaps of one failing delivery.
  const partners = await measurePartnerDeliveries({ db, apiUrl, key, orgId: org.id });

  // (i) to (k), once the worker is idle again: the dashboard's numbers.
  const activityLog = await measureActivityLog(db, apiUrl);
  const keyLookup = await measureKeyLookup(db);
  const firstLoad = await measureFirstLoad(projectDir);

  console.log(`\nRelay benchmark — concurrency ${CONCURRENCY}, ${REQUESTS} requests per side, loopback, one Temporal dev server`);
  printStarts();
  for (const [name, result] of Object.entries(halfLoad)) {
    console.log(
      `    at half load, ${name.padEnd(20)} offered ${result.perSecond.toFixed(1)}/s   p50 ${result.p50.toFixed(1)} ms   p99 ${result.p99.toFixed(1)} ms   (target p99 <= 50)`,
    );
  }
  console.log(
    `    at half load, ${'raw workflow.start'.padEnd(20)} offered ${halfLoadRawStarts.perSecond.toFixed(1)}/s   p50 ${halfLoadRawStarts.p50.toFixed(1)} ms   p99 ${halfLoadRawStarts.p99.toFixed(1)} ms   (reference: the Temporal server alone)`,
  );
  printDrain(arrivals, isCompiled(projectDir));
  console.log(
    `(d) SNS events acknowledged          ${fmt(sns.perSecond)}/s   p50 ${fmt(sns.p50)} ms   p99 ${fmt(sns.p99)} ms   (verified, stored, workflow started)`,
  );
  console.log(
    `(e) inbound email acknowledged       ${fmt(inbound.perSecond)}/s   p50 ${fmt(inbound.p50)} ms   p99 ${fmt(inbound.p99)} ms   (verified, stored, workflow started)`,
  );

  printFanOut({
    ceilings: ceilings.map((round) => round.perSecond),
    deliveries: bursts.map((round) => round.perSecond),
    latency,
    ceilingNote: `${WEBHOOK_BURST} workflows x ${WEBHOOK_ENDPOINTS} no-op activities at once, deliveries-queue concurrency`,
  });
  console.log(`    CPU-ms per no-op activity: ${cpuEach(meanCpu(ceilings.map((round) => round.cpu)))}`);
  console.log(`    CPU-ms per delivery:       ${cpuEach(meanCpu(bursts.map((round) => round.cpu)))}`);
  console.log(
    `(g) partner deliveries ${fmt(partners.perSecond)}/s (${partners.deliveries} to one receiver)   retry gaps of a failing delivery: ${partners.gaps.map((gap) => `${(gap / 1000).toFixed(2)} s`).join(', ')}   (policy 1, 2, 4, 8 s)`,
  );
  console.log(
    `(h) channel webhooks acknowledged     ${fmt(channels.perSecond)}/s   p50 ${fmt(channels.p50)} ms   p99 ${fmt(channels.p99)} ms   (WhatsApp: verified, stored, workflow started)`,
  );
  console.log(
    `(i) SES drain of ${DRAIN_EMAILS} alone ${fmt(isolation.alone)}/s   beside ${isolation.hanging} hanging webhook deliveries ${fmt(isolation.besideHanging)}/s (${isolation.stillHanging} still hanging at the end)   ratio ${(isolation.besideHanging / isolation.alone).toFixed(2)}`,
  );
  console.log(
    `(j) signing one delivery (${signing.bodyBytes}-byte body)   1 secret ${signing.one.toFixed(1)} µs (${signing.oneUnsealed.toFixed(1)} µs unsealing it first)   2 secrets ${signing.two.toFixed(1)} µs (${signing.twoUnsealed.toFixed(1)} µs)`,
  );
  const worstSearch = activityLog.rows.reduce((worst, row) => (row.p95 > worst.p95 ? row : worst));
  console.log(
    `(l) Emails list and search, ${activityLog.emails} emails in one organization: p95 ${fmt(activityLog.p95)} ms over every search (target < 100 ms); worst search p95 ${fmt(worstSearch.p95)} ms (${worstSearch.name})`,
  );
  for (const row of activityLog.rows) {
    console.log(
      `      ${row.name.padEnd(24)} API p50 ${fmt(row.p50).padStart(6)} ms  p95 ${fmt(row.p95).padStart(6)} ms   query p50 ${fmt(row.queryP50).padStart(5)} ms  p95 ${fmt(row.queryP95).padStart(6)} ms   ${row.found} rows`,
    );
  }
  // At most one key-row read per key per cache window per API process, shared by every request in it.
  const perRequestUs = (keyLookup.p50 * 1000) / (sendRate * (keyLookup.ttlMs / 1000));
  console.log(
    `(m) revoked keys refused within ${keyLookup.ttlMs / 1000} s: a key-cache miss reads one row, p50 ${keyLookup.p50.toFixed(2)} ms p99 ${keyLookup.p99.toFixed(2)} ms, once per key per ${keyLookup.ttlMs} ms per API process: ≈ ${perRequestUs.toFixed(1)} µs per request at (b)'s ${fmt(sendRate)}/s`,
  );
  console.log(`(n) ${firstLoad}`);
  console.log(
    `    load average during the run: ${loadavg()
      .map((n) => n.toFixed(1))
      .join(', ')} on ${availableParallelism()} cores`,
  );
  await fanOutRig.stop();
  await partners.stop();

  await worker.shutdown();
  await connection.close();

  // (k) Fair sharing, on queues the earlier parts have left idle, drained by `relay worker`.
  const fairWorker = spawnRelay(projectDir, 'worker', benchEnv);
  printFairness(await measureFairSharing({ db, apiUrl, ses }), isCompiled(projectDir));
  await stopChild(fairWorker);

  // (o) Memory over a backlog drained by `relay worker` in its own process, then storage.
  printMemory(await measureMemoryAndStorage({ ses, env: benchEnv, projectDir, postEmail, postLargeEmail, db }));

  // (p) End to end against its ceiling, once everything before has drained.
  printEndToEnd(
    await measureEndToEnd({ client, address: temporal.address, namespace: config.temporal.namespace, ses, projectDir, env: benchEnv, postEmail, processes }),
    isCompiled(projectDir),
  );
  await stopServices();
}

/**
 * (c) BACKLOG emails accepted while no worker runs, then drained by `relay worker` in its
 * own process: the times SES received them (bounded: 5 minutes).
 */
async function measureDrain({
  ses,
  projectDir,
  env,
  postEmail,
}: {
  ses: FakeSes;
  projectDir: string;
  env: Record<string, string>;
  postEmail: (index: number) => Promise<void>;
}): Promise<number[]> {
  const from = sesSendCount(ses);
  await drive(BACKLOG, CONCURRENCY, (index) => postEmail(3_000_000 + index));
  const worker = spawnRelay(projectDir, 'worker', env);
  await sesSendsReach(ses, from + BACKLOG, { polls: 1200, everyMs: 250 });
  await stopChild(worker);
  return ses.sendRequests.slice(from).map((request) => request.receivedAt);
}

/** Which `relay worker` a drain was measured on. */
const workerLabel = (compiled: boolean) => `(relay worker, ${compiled ? 'compiled' : 'under tsx: npm run build first for the production figure'})`;

function printFairness(fair: Awaited<ReturnType<typeof measureFairSharing>>, compiled: boolean) {
  const fmt = (n: number) => n.toFixed(1);
  console.log(
    `(k) fair sharing: org B's ${fair.probes} sends behind org A's backlog of ${fair.backlogWhenBSent}   accept → SES call p50 ${fmt(fair.p50)} ms   max ${fmt(fair.max)} ms   (target max <= 2000 ms)`,
  );
  console.log(
    `    org A drained ${fair.drained} at ${fmt(fair.drainRate)}/s of SES_MAX_SEND_RATE ${SES_RATE}/s = ${((100 * fair.drainRate) / SES_RATE).toFixed(0)} %   (target >= 90 %)   ${workerLabel(compiled)}`,
  );
}

await main();
