// npm run bench: starts its own PostgreSQL, Temporal dev server and SES emulator on
// loopback, then measures, side by side at the same concurrency against the same
// Temporal server:
//   (a) raw client.workflow.start of a no-op workflow per second,
//   (b) accepted POST /api/v1/emails per second with p50/p99 latency, and (b)/(a),
//   (c) the SES send rate reached draining a backlog, against SES_MAX_SEND_RATE,
//   (d) signed SNS notifications (SES events) acknowledged per second, p50/p99,
//   (e) inbound email webhooks (Postmark format) acknowledged per second, p50/p99,
//   (f) webhook deliveries per second fanned out to 100 local endpoints, and the time
//       from a ticket change to its first delivery attempt,
//   (g) partner deliveries per second to a local receiver, and the retry gaps of one
//       failing delivery under the production policy,
//   (h) channel webhooks (WhatsApp) acknowledged per second, p50/p99.
// Every loop is bounded by a request count.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import { loadConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db/database.js';
import { createTicket } from '../src/helpdesk/repository.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createApiKey, createOrganization } from '../src/auth/repository.js';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres.js';
import { FakeSes } from '../test/fakes/fake-ses.js';
import { TOPIC_ARN, makeSigningCertificate, sesEvents, sesNotification } from '../test/support/sns.js';
import { ensureTemporalCli, startTemporalDevServer, stopChild } from '../src/dev/temporal-server.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { connectClient, connectWorker } from '../src/temporal/connection.js';
import { startWorker } from '../src/worker/start.js';
import { freePort } from '../test/support/free-port.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 500);
const SES_RATE = Number(process.env.BENCH_SES_RATE ?? 50);
const WARMUP = 50;
const WEBHOOK_ENDPOINTS = 100;
const WEBHOOK_CHANGES = 20;

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
    const response = await fetch(`${apiUrl}/api/v1/debriefs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        user_id: userId,
        actions: Array.from({ length: actions }, (_, index) => ({ action: 'create_note', record_id: `r${index}`, content: 'bench' })),
      }),
    });
    if (response.status !== 202) throw new Error(`debriefs answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { deliveries: { idempotency_key: string }[] }).deliveries;
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

/**
 * Creates WEBHOOK_ENDPOINTS webhooks (one loopback receiver, a path each) subscribed to
 * ticket.priority_changed and changes a ticket's priority through the API: half the
 * changes in a burst (deliveries per second), half one at a time (time from the change to
 * the first delivery attempt that reached a receiver).
 */
async function measureWebhookFanOut({ db, apiUrl, key, orgId }: { db: Db; apiUrl: string; key: string; orgId: string }) {
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
  const port = (receiver.address() as AddressInfo).port;
  for (let index = 0; index < WEBHOOK_ENDPOINTS; index += 1) {
    const response = await fetch(`${apiUrl}/api/trpc/webhooks.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { url: `http://127.0.0.1:${port}/hook/${index}`, events: ['ticket.priority_changed'], secret: 'bench-signing-secret' } }),
    });
    if (response.status !== 200) throw new Error(`webhooks.create answered ${response.status}: ${await response.text()}`);
  }
  const ticket = await createTicket(db, { orgId, subject: 'bench', customerId: null, channel: 'email' });

  const patch = async (change: number): Promise<{ eventId: string; sentAt: number }> => {
    const before = new Set((await db.selectFrom('webhook_events').select('id').where('org_id', '=', orgId).execute()).map((row) => row.id));
    const sentAt = performance.now();
    const response = await fetch(`${apiUrl}/api/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ priority: change % 2 === 0 ? 'high' : 'low' }),
    });
    if (response.status !== 200) throw new Error(`PATCH answered ${response.status}`);
    const events = await db.selectFrom('webhook_events').select(['id', 'type']).where('org_id', '=', orgId).execute();
    const event = events.find((row) => !before.has(row.id) && row.type === 'ticket.priority_changed');
    if (!event) throw new Error('the change emitted no ticket.priority_changed');
    return { eventId: event.id, sentAt };
  };
  const deliveredFor = (eventIds: string[]) => eventIds.reduce((total, id) => total + (arrivals.get(id)?.length ?? 0), 0);
  const waitFor = async (eventIds: string[]) => {
    for (let waited = 0; waited < 2400 && deliveredFor(eventIds) < eventIds.length * WEBHOOK_ENDPOINTS; waited += 1) {
      await new Promise((wake) => setTimeout(wake, 250));
    }
  };

  // Throughput: half the changes at once, a burst of deliveries drained as fast as Relay can.
  const burstStart = performance.now();
  const burst: string[] = [];
  for (let change = 0; change < WEBHOOK_CHANGES / 2; change += 1) burst.push((await patch(change)).eventId);
  await waitFor(burst);
  const burstEnd = Math.max(...burst.flatMap((id) => arrivals.get(id) ?? [burstStart]));

  // Latency: the other half one at a time, each once the previous one is delivered everywhere.
  const firsts: number[] = [];
  for (let change = WEBHOOK_CHANGES / 2; change < WEBHOOK_CHANGES; change += 1) {
    const { eventId, sentAt } = await patch(change);
    await waitFor([eventId]);
    firsts.push(Math.min(...(arrivals.get(eventId) ?? [Number.NaN])) - sentAt);
  }
  firsts.sort((a, b) => a - b);
  const pick = (q: number) => firsts[Math.min(firsts.length - 1, Math.floor(q * firsts.length))] ?? Number.NaN;
  return {
    deliveries: deliveredFor([...arrivals.keys()]),
    perSecond: deliveredFor(burst) / ((burstEnd - burstStart) / 1000),
    p50: pick(0.5),
    p99: pick(0.99),
    stop: () => new Promise<void>((done) => receiver.close(() => done())),
  };
}

Runtime.install({ logger: new DefaultLogger('ERROR') });

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
  const projectDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const scratch = await mkdtemp(join(tmpdir(), 'relay-bench-'));
  await chmod(scratch, 0o755);
  const [binary, pgPort, temporalPort] = await Promise.all([ensureTemporalCli(projectDir, process.env, console.log), freePort(), freePort()]);
  const postgres = await startEmbeddedPostgres({ dir: join(scratch, 'pg'), port: pgPort });
  const temporal = await startTemporalDevServer({ binary, port: temporalPort });
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
  const api = spawn(process.execPath, ['--import', 'tsx', resolve(projectDir, 'bench/api-process.ts'), certificateFile], {
    env: { ...process.env, ...benchEnv, PORT: String(apiPort) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  for (let attempt = 0; ; attempt += 1) {
    const ready = await fetch(`${apiUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (attempt > 100) throw new Error('the API did not become ready');
    await new Promise((wake) => setTimeout(wake, 200));
  }
  const org = await createOrganization(db, 'bench');
  const { key } = await createApiKey(db, { orgId: org.id, scopes: ['send', 'read', 'webhooks', 'debriefs', 'admin'] });

  const startNoop = (index: number) =>
    client.workflow.start('noopWorkflow', { taskQueue: 'bench-noop', workflowId: `noop-${index}-${Date.now()}` }).then(() => undefined);
  const postEmail = async (index: number) => {
    const response = await fetch(`${apiUrl}/api/v1/emails`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'bench@example.com', to: `r${index}@example.org`, subject: `bench ${index}`, text: 'hello' }),
    });
    if (response.status !== 202) throw new Error(`send answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };

  // Warm both paths (connections, JIT) before measuring; the warm-up emails join the backlog.
  await drive(WARMUP, CONCURRENCY, (i) => startNoop(1_000_000 + i));
  await drive(WARMUP, CONCURRENCY, (i) => postEmail(1_000_000 + i));

  // (a) and (b) alternate in two rounds so neither gets a quieter server.
  const raw: Awaited<ReturnType<typeof drive>>[] = [];
  const sends: Awaited<ReturnType<typeof drive>>[] = [];
  for (let round = 0; round < 2; round += 1) {
    raw.push(await drive(REQUESTS / 2, CONCURRENCY, (i) => startNoop(round * REQUESTS + i)));
    sends.push(await drive(REQUESTS / 2, CONCURRENCY, (i) => postEmail(round * REQUESTS + i)));
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

  // (d) Signed SNS notifications (SES Delivery events) acknowledged by /api/webhooks/ses.
  const notifications = Array.from({ length: REQUESTS }, (_, index) =>
    JSON.stringify(sesNotification(snsKey, sesEvents.delivery(sesEvents.mail(`bench-${index}`, ['r@example.org']), ['r@example.org']))),
  );
  const postSns = async (index: number) => {
    const response = await fetch(`${apiUrl}/api/webhooks/ses`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: notifications[index] });
    if (response.status !== 200) throw new Error(`SNS answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  const sns = await drive(REQUESTS, CONCURRENCY, postSns);

  // (e) Inbound email webhooks (Postmark's JSON format) acknowledged: verified, stored, workflow started.
  const postInbound = async (index: number) => {
    const response = await fetch(`${apiUrl}/api/webhooks/inbound-email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-postmark-token': 'bench-token' },
      body: JSON.stringify({
        From: 'client@example.org',
        To: 'help@acme.example',
        Subject: `bench ${index}`,
        TextBody: 'hello',
        MessageID: `bench-${index}-${Date.now()}`,
      }),
    });
    if (response.status !== 200) throw new Error(`inbound answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  const inbound = await drive(REQUESTS, CONCURRENCY, postInbound);

  // (h) Channel webhooks (WhatsApp, signed with the channel's app secret) acknowledged.
  const channelCreated = await fetch(`${apiUrl}/api/v1/channels`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'whatsapp', address: '100000001', secret: 'bench-app-secret', verify_token: 'bench-verify' }),
  });
  if (channelCreated.status !== 201) throw new Error(`channel create answered ${channelCreated.status}`);
  const postWhatsapp = async (index: number) => {
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: '100000001' },
                messages: [{ from: `1555${index % 200}`, id: `wamid.bench-${index}`, type: 'text', text: { body: 'hello' } }],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac('sha256', 'bench-app-secret').update(body).digest('hex')}`;
    const response = await fetch(`${apiUrl}/api/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body,
    });
    if (response.status !== 200) throw new Error(`whatsapp answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };
  const channels = await drive(REQUESTS, CONCURRENCY, postWhatsapp);
  const rawRate = mean(raw.map((r) => r.perSecond));
  const sendRate = mean(sends.map((r) => r.perSecond));

  // (c) Every email so far is queued (no worker ran): start the worker and measure the drain.
  const backlog = await db
    .selectFrom('emails')
    .select(({ fn }) => fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const connection = await connectWorker(temporalConfig);
  const worker = await startWorker({ config: { ...config, temporal: temporalConfig }, db, client, connection, logger, metrics });
  const target = Math.min(BACKLOG, Number(backlog.n));
  for (let waited = 0; waited < 1200 && ses.sendCalls.length < target; waited += 1) {
    await new Promise((wake) => setTimeout(wake, 250));
  }
  const arrivals = ses.requests.map((request) => request.receivedAt).slice(0, target);
  // n sends span n-1 intervals.
  const sesRate = (arrivals.length - 1) / ((arrivals.at(-1)! - arrivals[0]!) / 1000);
  // The most sends SES received inside any one-second window.
  let peak = 0;
  for (let i = 0, j = 0; i < arrivals.length; i += 1) {
    while (arrivals[i]! - arrivals[j]! >= 1000) j += 1;
    peak = Math.max(peak, i - j + 1);
  }

  // (f) One ticket change fanned out to WEBHOOK_ENDPOINTS local webhooks, WEBHOOK_CHANGES times,
  // once the worker has finished the work (d) and (e) queued, so it measures webhooks alone.
  for (let waited = 0; waited < 600; waited += 1) {
    const { count } = await client.workflow.count(`ExecutionStatus = "Running" AND TaskQueue = "${config.temporal.taskQueue}"`);
    if (count === 0) break;
    await new Promise((wake) => setTimeout(wake, 500));
  }
  const fanOut = await measureWebhookFanOut({ db, apiUrl, key, orgId: org.id });

  // (g) Partner deliveries to one local receiver, and the retry gaps of one failing delivery.
  const partners = await measurePartnerDeliveries({ db, apiUrl, key, orgId: org.id });

  const fmt = (n: number) => n.toFixed(1);
  console.log(`\nRelay benchmark — concurrency ${CONCURRENCY}, ${REQUESTS} requests per side, loopback, one Temporal dev server`);
  console.log(
    `(a) raw workflow.start (no-op)      ${fmt(rawRate)}/s   p50 ${fmt(mean(raw.map((r) => r.p50)))} ms   p99 ${fmt(mean(raw.map((r) => r.p99)))} ms`,
  );
  console.log(
    `(b) POST /api/v1/emails accepted     ${fmt(sendRate)}/s   p50 ${fmt(mean(sends.map((r) => r.p50)))} ms   p99 ${fmt(mean(sends.map((r) => r.p99)))} ms`,
  );
  console.log(`    ratio (b)/(a)                    ${(sendRate / rawRate).toFixed(2)}   (target >= 0.8)`);
  console.log(
    `(c) SES sends draining ${arrivals.length}       ${fmt(sesRate)}/s of SES_MAX_SEND_RATE ${SES_RATE}/s = ${((100 * sesRate) / SES_RATE).toFixed(0)} %   busiest 1 s window: ${peak} sends   (target 90-100 %)`,
  );
  console.log(
    `(d) SNS events acknowledged          ${fmt(sns.perSecond)}/s   p50 ${fmt(sns.p50)} ms   p99 ${fmt(sns.p99)} ms   (verified, stored, workflow started)`,
  );
  console.log(
    `(e) inbound email acknowledged       ${fmt(inbound.perSecond)}/s   p50 ${fmt(inbound.p50)} ms   p99 ${fmt(inbound.p99)} ms   (verified, stored, workflow started)`,
  );

  console.log(
    `(f) webhook deliveries to ${WEBHOOK_ENDPOINTS} endpoints ${fmt(fanOut.perSecond)}/s   ticket change → first attempt p50 ${fmt(fanOut.p50)} ms   p99 ${fmt(fanOut.p99)} ms   (${fanOut.deliveries} deliveries)`,
  );
  console.log(
    `(g) partner deliveries ${fmt(partners.perSecond)}/s (${partners.deliveries} to one receiver)   retry gaps of a failing delivery: ${partners.gaps.map((gap) => `${(gap / 1000).toFixed(2)} s`).join(', ')}   (policy 1, 2, 4, 8 s)`,
  );
  console.log(
    `(h) channel webhooks acknowledged     ${fmt(channels.perSecond)}/s   p50 ${fmt(channels.p50)} ms   p99 ${fmt(channels.p99)} ms   (WhatsApp: verified, stored, workflow started)`,
  );
  await fanOut.stop();
  await partners.stop();
  await worker.shutdown();
  await connection.close();
  await stopChild(api);
  await client.connection.close();
  await db.destroy();
  await ses.stop();
  await temporal.stop();
  await postgres.stop();
  await rm(scratch, { recursive: true, force: true });
}

await main();
