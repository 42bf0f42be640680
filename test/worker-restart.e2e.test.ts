import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEmail } from '../src/emails/repository.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { sweepScheduleId } from '../src/temporal/ids.js';
import { spawnCli } from './support/cli.js';
import { call, eventually } from './support/http.js';
import { RecordingServer } from './fakes/recording-server.js';
import { sesEmailsTo } from './support/ses-store.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;
let key: string;
let orgId: string;
let domain: string;

beforeAll(async () => {
  // A slow send rate keeps a backlog on the SES queue long enough to stop the worker inside it.
  stack = await startStack({ worker: false, env: { SES_MAX_SEND_RATE: '4' } });
  ({ key, orgId, domain } = await createOrgWithKey(stack.db));
});
afterAll(() => stack?.stop());

async function statuses(): Promise<Record<string, number>> {
  const rows = await stack.db.selectFrom('emails').select('status').where('org_id', '=', orgId).execute();
  return rows.reduce<Record<string, number>>((counts, row) => ({ ...counts, [row.status]: (counts[row.status] ?? 0) + 1 }), {});
}

describe('a worker stopped with a backlog', () => {
  it('delivers every queued email exactly once after it comes back', async () => {
    const recipients = Array.from({ length: 12 }, (_, index) => `backlog-${index}-${orgId.slice(0, 8)}@example.org`);
    for (const to of recipients) {
      const response = await call(stack.api.url, '/api/v1/emails', { key, body: { from: `a@${domain}`, to, subject: 'backlog', text: 't' } });
      expect(response.status).toBe(202);
    }
    // No worker yet: the API accepted everything and nothing went out.
    expect(await statuses()).toEqual({ queued: 12 });

    await stack.startWorker();
    await eventually(async () => ((await statuses()).sent ?? 0) >= 2 || undefined, 'the first sends');
    await stack.stopWorker();
    const midway = await statuses();
    expect(midway.queued ?? 0).toBeGreaterThan(0);

    await stack.startWorker();
    await eventually(async () => ((await statuses()).sent === 12 ? true : undefined), 'every email sent');
    for (const to of recipients) {
      expect(await sesEmailsTo(stack.sesUrl, to)).toHaveLength(1);
    }
  });
});

describe('an email stored but never started (the API died between the two)', () => {
  it('is started by the every-minute sweep and sent once', async () => {
    const id = randomUUID();
    const to = `stranded-${id.slice(0, 8)}@example.org`;
    await insertEmail(stack.db, {
      id,
      orgId,
      content: { from: 'a@example.com', to: [to], cc: [], bcc: [], reply_to: [], subject: 'stranded', html: null, text: 't', headers: {}, attachments: [] },
      tags: {},
      metadata: {},
    });
    await stack.db
      .updateTable('emails')
      .set({ created_at: new Date(Date.now() - 5 * 60_000) })
      .where('id', '=', id)
      .execute();
    await stack.client.schedule.getHandle(sweepScheduleId(stack.taskQueue)).trigger();
    await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/v1/emails/${id}`, { key });
      return body.status === 'sent' ? true : undefined;
    }, 'the stranded email to be sent');
    expect(await sesEmailsTo(stack.sesUrl, to)).toHaveLength(1);
  });
});

describe('a worker killed in the middle of a send', () => {
  it('leaves an attempt another worker takes over after the heartbeat timeout, not the minute-long start-to-close, and sends once', async () => {
    await stack.stopWorker();
    // An SES that takes the call and never answers: the send is in flight when the worker dies.
    const silentSes = await new RecordingServer(() => {}).start();
    const worker = spawnCli(['worker'], { ...stack.cliEnv, RELAY_ENCRYPTION_KEY: generateEncryptionKey(), SES_ENDPOINT: silentSes.url });
    let complaints = '';
    worker.stderr!.on('data', (chunk: Buffer) => (complaints += chunk.toString()));
    const exited = new Promise((done) => worker.once('exit', done));
    try {
      const to = `killed-${orgId.slice(0, 8)}@example.org`;
      const response = await call(stack.api.url, '/api/v1/emails', { key, body: { from: `a@${domain}`, to, subject: 'killed', text: 't' } });
      expect(response.status).toBe(202);
      // The worker process bundles its workflows first: give it time to reach SES.
      await Promise.race([
        eventually(async () => silentSes.requests.length > 0 || undefined, 'the send to reach SES', 120_000),
        exited.then(() => Promise.reject(new Error(`relay worker exited before sending: ${complaints}`))),
      ]);
      worker.kill('SIGKILL');
      await exited;

      await stack.startWorker();
      // Well inside the 1-minute start-to-close timeout, which is all there was before heartbeats.
      await eventually(
        async () => ((await call(stack.api.url, `/api/v1/emails/${response.body.id}`, { key })).body.status === 'sent' ? true : undefined),
        'the send retried',
        40_000,
      );
      expect(await sesEmailsTo(stack.sesUrl, to)).toHaveLength(1);
    } finally {
      worker.kill('SIGKILL');
      await silentSes.stop();
    }
  }, 240_000);
});
