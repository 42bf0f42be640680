// npx tsx bench/hub-session-check.ts: what re-validating the session with Hub costs per
// authenticated request. A real PostgreSQL (embedded) holds one session; a loopback Hub
// answers the session check. The same sessions.current() runs with the check on every
// request (HUB_SESSION_CACHE_SECONDS=0) and cached for 5 s, sequentially and 16 at a time.
// Loopback is the floor: a Hub across a network adds its round trip to every uncached check.
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'express';
import { insertSession, createOrganization, upsertHubUser } from '../src/auth/repository.js';
import { SESSION_COOKIE, createSessions } from '../src/auth/sessions.js';
import { createDb } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres.js';
import { createHttpClient } from '../src/integrations/http.js';
import { createHubClient } from '../src/integrations/hub.js';
import { createLogger } from '../src/observability/logger.js';
import { randomSecret, sha256 } from '../src/security/secrets.js';
import { FakeHub } from '../test/fakes/fake-hub.js';
import { freePort } from '../test/support/free-port.js';

const REQUESTS = 2000;
const CONCURRENCY = 16;
const SECRET = 'bench-sso-secret';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const scratch = await mkdtemp(join(tmpdir(), 'relay-bench-hub-'));
  await chmod(scratch, 0o755);
  const postgres = await startEmbeddedPostgres({ dir: join(scratch, 'postgres'), port: await freePort() });
  const hub = await new FakeHub(SECRET).start();
  try {
    await postgres.ensureDatabase('bench');
    const db = createDb(postgres.urlFor('bench'));
    await migrateToLatest(db);
    const org = await createOrganization(db, 'bench');
    const user = await upsertHubUser(db, { orgId: org.id, hubUserId: 'hub-bench', email: null, name: null });
    const cookie = randomSecret(32);
    await insertSession(db, {
      tokenHash: sha256(cookie),
      userId: user.id,
      orgId: org.id,
      hubSessionId: 'sess-bench',
      role: 'Admin',
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const request = { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } } as Request;
    const hubClient = createHubClient(createHttpClient({ timeoutMs: 5000 }), { url: hub.url, ssoSecret: SECRET });

    for (const cacheMs of [0, 5000]) {
      const sessions = createSessions({
        db,
        hub: hubClient,
        logger: createLogger({ level: 'silent' }),
        publicUrl: 'http://127.0.0.1',
        sessionTtlHours: 12,
        hubSessionCacheMs: cacheMs,
      });
      for (let i = 0; i < 100; i += 1) await sessions.current(request); // warm-up: connections, JIT
      const checksBefore = hub.requests.length;
      const latencies: number[] = [];
      for (let i = 0; i < REQUESTS; i += 1) {
        const start = performance.now();
        if (!(await sessions.current(request))) throw new Error('the session was refused');
        latencies.push(performance.now() - start);
      }
      latencies.sort((a, b) => a - b);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < REQUESTS) {
            next += 1;
            await sessions.current(request);
          }
        }),
      );
      const perSecond = REQUESTS / ((performance.now() - started) / 1000);
      const label = cacheMs === 0 ? 'check with Hub on every request' : 'Hub check cached 5 s         ';
      process.stdout.write(
        `${label}  sequential p50 ${percentile(latencies, 50).toFixed(2)} ms  p99 ${percentile(latencies, 99).toFixed(2)} ms   ` +
          `${CONCURRENCY} at a time ${perSecond.toFixed(0)}/s   Hub calls ${hub.requests.length - checksBefore} for ${REQUESTS * 2} requests\n`,
      );
    }
    await db.destroy();
  } finally {
    await hub.stop();
    await postgres.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
