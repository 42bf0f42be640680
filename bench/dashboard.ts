// The dashboard's part of npm run bench:
//   (i) the activity log (tRPC emails.list through the API process) over 100,000 emails of
//       one organization: each search the Emails page can make, p50/p95, against < 100 ms p95;
//   (j) the cost of refusing revoked keys within a second: one key-row read per key per
//       second per API process, timed, and what it adds per request at the measured send rate;
//   (k) the app's first-load JavaScript, gzipped, from a production build.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import superjson from 'superjson';
import { KEY_CACHE_TTL_MS } from '../src/auth/api-keys.js';
import { createApiKey, createOrganization, findActiveApiKey } from '../src/auth/repository.js';
import type { Db } from '../src/db/database.js';
import { listEmails, type EmailListFilter } from '../src/emails/repository.js';
import { keysetCursorSchema } from '../src/http/pagination.js';
import { parseApiKey } from '../src/security/secrets.js';

const EMAILS = Number(process.env.BENCH_DASHBOARD_EMAILS ?? 100_000);
const SAMPLES = 40;
const DAY_MS = 86_400_000;

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/**
 * 100,000 emails in one organization, written in one statement: a month of sends to
 * 20,000 recipients on 5 domains, 6 subjects, 3 product tags, statuses in realistic
 * shares (most delivered, a few bounced, failed and complained).
 */
async function seedEmails(db: Db, orgId: string): Promise<void> {
  await sql`
    insert into emails (id, org_id, status, recipients, subject, content, tags, metadata, created_at)
    select gen_random_uuid(), ${orgId}::uuid,
      (array['delivered','delivered','delivered','delivered','delivered','delivered','sent','sent','bounced','complained','failed','suppressed'])[1 + (g % 12)],
      array['user' || (g % 20000) || '@client' || (g % 5) || '.example'],
      (array['Welcome to Acme','Your invoice INV-','Password reset','Weekly digest #','Order shipped','Ticket updated: #'])[1 + (g % 6)] || g,
      jsonb_build_object('from', 'Acme <hello@acme.test>', 'to', jsonb_build_array('user' || (g % 20000) || '@client' || (g % 5) || '.example'),
        'cc', '[]'::jsonb, 'bcc', '[]'::jsonb, 'reply_to', '[]'::jsonb, 'subject', 'bench', 'html', null, 'text', 'hello', 'headers', '{}'::jsonb, 'attachments', '[]'::jsonb),
      jsonb_build_object('product', (array['psa','crm','books'])[1 + (g % 3)]),
      '{}'::jsonb,
      now() - make_interval(secs => g * ${(30 * DAY_MS) / 1000 / EMAILS}::double precision)
    from generate_series(1, ${EMAILS}) g`.execute(db);
  await sql`analyze emails`.execute(db);
}

/** What emails.list hands the repository for `input`. */
function repositoryFilter(input: Record<string, unknown>): EmailListFilter {
  const cursor = typeof input.cursor === 'string' ? keysetCursorSchema().parse(input.cursor) : undefined;
  return {
    recipientContains: input.recipient as string | undefined,
    subjectContains: input.subject as string | undefined,
    tag: input.tag as string | undefined,
    status: input.status as EmailListFilter['status'],
    since: input.since as Date | undefined,
    before: input.before as Date | undefined,
    limit: 51,
    after: cursor,
  };
}

async function timeCall(
  apiUrl: string,
  key: string,
  input: Record<string, unknown>,
): Promise<{ ms: number; page: { items: { id: string }[]; nextCursor: string | null } }> {
  const started = performance.now();
  const response = await fetch(`${apiUrl}/api/trpc/emails.list?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await response.json()) as { result?: { data: unknown }; error?: unknown };
  const ms = performance.now() - started;
  if (!body.result) throw new Error(`emails.list answered ${response.status}: ${JSON.stringify(body.error)}`);
  return { ms, page: superjson.deserialize(body.result.data as never) };
}

export async function measureActivityLog(db: Db, apiUrl: string) {
  const org = await createOrganization(db, 'bench-dashboard');
  const { key } = await createApiKey(db, { orgId: org.id, scopes: ['read'] });
  const seeding = performance.now();
  await seedEmails(db, org.id);
  const seededIn = (performance.now() - seeding) / 1000;

  const weekAgo = new Date(Date.now() - 7 * DAY_MS);
  const searches: [string, Record<string, unknown>][] = [
    ['newest page', {}],
    ['5th page (cursor)', { cursor: 'page5' }],
    ['recipient, common', { recipient: 'client3.example' }],
    ['recipient, one person', { recipient: 'user1234@' }],
    ['subject, common', { subject: 'invoice' }],
    ['subject, rare', { subject: 'INV-4242' }],
    ['subject, no match', { subject: 'no such subject' }],
    ['tag', { tag: 'product:crm' }],
    ['status, rare', { status: 'failed' }],
    ['date range (a week)', { since: new Date(weekAgo.getTime() - 7 * DAY_MS), before: weekAgo }],
    ['all of them', { recipient: 'client2', subject: 'digest', tag: 'product:psa', status: 'delivered', since: new Date(Date.now() - 20 * DAY_MS) }],
  ];
  // The 5th page's cursor, as the Emails page would hold it after four "Show more".
  let cursor: string | null = null;
  for (let page = 0; page < 4; page += 1) cursor = (await timeCall(apiUrl, key, { limit: 50, ...(cursor ? { cursor } : {}) })).page.nextCursor;

  const inputOf = (filters: Record<string, unknown>) => ({ limit: 50, ...filters, ...(filters.cursor ? { cursor } : {}) });
  // Every search once before any is timed: the table's pages in memory, the API's code warm.
  for (const [, filters] of searches) await timeCall(apiUrl, key, inputOf(filters));

  const rows: { name: string; p50: number; p95: number; queryP50: number; queryP95: number; found: number }[] = [];
  const all: number[] = [];
  for (const [name, filters] of searches) {
    const input = inputOf(filters);
    const times: number[] = [];
    const queryTimes: number[] = [];
    let found = 0;
    for (let sample = 0; sample < SAMPLES; sample += 1) {
      const { ms, page } = await timeCall(apiUrl, key, input);
      times.push(ms);
      found = page.items.length;
      // The same search as the repository runs it, without HTTP, tRPC and JSON around it.
      const started = performance.now();
      await listEmails(db, org.id, repositoryFilter(input));
      queryTimes.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    queryTimes.sort((a, b) => a - b);
    all.push(...times);
    rows.push({
      name,
      p50: percentile(times, 0.5),
      p95: percentile(times, 0.95),
      queryP50: percentile(queryTimes, 0.5),
      queryP95: percentile(queryTimes, 0.95),
      found,
    });
  }
  all.sort((a, b) => a - b);
  return { emails: EMAILS, seededIn, rows, p95: percentile(all, 0.95) };
}

/** One key-row read, as a cache miss makes it, timed over many reads. */
export async function measureKeyLookup(db: Db) {
  const org = await createOrganization(db, `bench-keys-${randomUUID().slice(0, 8)}`);
  const { key } = await createApiKey(db, { orgId: org.id, scopes: ['send'] });
  const { id } = parseApiKey(key)!;
  const times: number[] = [];
  for (let index = 0; index < 1000; index += 1) {
    const started = performance.now();
    await findActiveApiKey(db, id);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), ttlMs: KEY_CACHE_TTL_MS };
}

/** Builds the app into a scratch directory and returns the build's own first-load line. */
export async function measureFirstLoad(projectDir: string): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'relay-bench-web-'));
  try {
    const output = await new Promise<string>((done, fail) => {
      const build = spawn(process.execPath, [join(projectDir, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--outDir', outDir, '--emptyOutDir'], {
        cwd: projectDir,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      build.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      build.once('exit', (code) => (code === 0 ? done(text) : fail(new Error(`vite build exited ${code}`))));
    });
    return /first-load JS: .*/.exec(output)?.[0] ?? 'first-load JS: not printed by the build';
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
