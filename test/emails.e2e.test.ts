import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { sql } from 'kysely';
import { emailWorkflowId, sesTaskQueueFor } from '../src/temporal/ids.js';
import { call, eventually } from './support/http.js';
import { sesEmailsTo } from './support/ses-store.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;
let key: string;
let domain: string;
const recipient = () => `to-${randomBytes(5).toString('hex')}@example.org`;

beforeAll(async () => {
  stack = await startStack();
  ({ key, domain } = await createOrgWithKey(stack.db));
});
afterAll(() => stack?.stop());

async function waitForStatus(id: string, status: string, apiKey = key) {
  return eventually(async () => {
    const { body } = await call(stack.api.url, `/api/v1/emails/${id}`, { key: apiKey });
    return body.status === status ? body : undefined;
  }, `email ${id} to be ${status}`);
}

describe('POST /api/v1/emails', () => {
  it('delivers the message to SES with every field and records it as sent', async () => {
    const to = recipient();
    const cc = recipient();
    const bcc = recipient();
    const pdf = Buffer.from('%PDF-1.4 relay test').toString('base64');
    const sent = await call(stack.api.url, '/api/v1/emails', {
      key,
      body: {
        from: `PSA Notifications <notify@psa.${domain}>`,
        to: [to],
        cc,
        bcc: [bcc],
        reply_to: 'support@psa.example.com',
        subject: 'Ticket #42 updated',
        html: '<p>Your ticket was updated.</p>',
        text: 'Your ticket was updated.',
        headers: { 'X-Ticket-Id': '42' },
        tags: { product: 'psa', kind: 'ticket_update' },
        attachments: [{ filename: 'report.pdf', content: pdf, content_type: 'application/pdf' }],
        metadata: { ticket: '42' },
      },
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ id: expect.any(String), status: 'queued' });

    const email = await waitForStatus(sent.body.id, 'sent');
    const [delivered, ...others] = await sesEmailsTo(stack.sesUrl, to);
    expect(others).toHaveLength(0);
    expect(delivered).toMatchObject({
      messageId: email.ses_message_id,
      from: `PSA Notifications <notify@psa.${domain}>`,
      replyTo: ['support@psa.example.com'],
      destination: { to: [to], cc: [cc], bcc: [bcc] },
      subject: 'Ticket #42 updated',
      body: { html: '<p>Your ticket was updated.</p>', text: 'Your ticket was updated.' },
      attachments: [{ filename: 'report.pdf', contentType: 'application/pdf', content: pdf }],
    });
    expect(delivered?.headers).toContainEqual({ name: 'X-Ticket-Id', value: '42' });

    expect(email).toMatchObject({ to: [to], cc: [cc], bcc: [bcc], tags: { product: 'psa', kind: 'ticket_update' }, metadata: { ticket: '42' } });
    expect(email.events.map((event: { type: string }) => event.type)).toEqual(['queued', 'sent']);
    expect(email.events[1].detail).toEqual({ ses_message_id: email.ses_message_id, recipients: 3 });
  });

  it('runs the send as workflow email-<id>, findable by organization and message id', async () => {
    const { orgId, key: ownKey, sender } = await createOrgWithKey(stack.db);
    const sent = await call(stack.api.url, '/api/v1/emails', { key: ownKey, body: { from: sender('a'), to: recipient(), subject: 's', text: 't' } });
    const handle = stack.client.workflow.getHandle(emailWorkflowId(sent.body.id));
    await handle.result();
    const description = await handle.describe();
    expect(description.type).toBe('sendEmailWorkflow');
    expect(description.searchAttributes).toMatchObject({ RelayOrgId: [orgId], RelayKind: ['email'], RelayMessageId: [sent.body.id] });
  });

  it("sends a single email at once, inside its run's first workflow task, when no send is queued ahead; a batch's go to the queue", async () => {
    const { key: ownKey, sender } = await createOrgWithKey(stack.db);
    const idle = () => stack.db.deleteFrom('ses_send_schedules').where('queue', '=', sesTaskQueueFor(stack.taskQueue)).execute();
    const countIn = async (emailId: string, type: temporal.api.enums.v1.EventType) => {
      const handle = stack.client.workflow.getHandle(emailWorkflowId(emailId));
      expect(await handle.result()).toMatchObject({ status: 'sent' });
      const { events } = await handle.fetchHistory();
      return (events ?? []).filter((event) => event.eventType === type).length;
    };
    const { EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: ACTIVITY_TASK_SCHEDULED, EVENT_TYPE_WORKFLOW_TASK_COMPLETED: WORKFLOW_TASK_COMPLETED } =
      temporal.api.enums.v1.EventType;

    await idle();
    const to = recipient();
    const single = await call(stack.api.url, '/api/v1/emails', { key: ownKey, body: { from: sender(), to, subject: 'Your code', text: 't' } });
    expect(await countIn(single.body.id, ACTIVITY_TASK_SCHEDULED)).toBe(0);
    expect(await countIn(single.body.id, WORKFLOW_TASK_COMPLETED)).toBe(1);
    expect(await sesEmailsTo(stack.sesUrl, to)).toHaveLength(1);

    await idle();
    const batch = await call(stack.api.url, '/api/v1/emails/batch', {
      key: ownKey,
      body: [
        { from: sender(), to: recipient(), subject: 'digest', text: 't' },
        { from: sender(), to: recipient(), subject: 'digest', text: 't' },
      ],
    });
    for (const { id } of batch.body.data) expect(await countIn(id, ACTIVITY_TASK_SCHEDULED)).toBe(1);

    // A message over 256 KB waits its turn, without trying the local activity first.
    await idle();
    const large = await call(stack.api.url, '/api/v1/emails', {
      key: ownKey,
      body: {
        from: sender(),
        to: recipient(),
        subject: 'Your export',
        text: 't',
        attachments: [{ filename: 'export.csv', content: randomBytes(300 * 1024).toString('base64') }],
      },
    });
    expect(large.status).toBe(202);
    expect(await countIn(large.body.id, ACTIVITY_TASK_SCHEDULED)).toBe(1);
    const { events } = await stack.client.workflow.getHandle(emailWorkflowId(large.body.id)).fetchHistory();
    expect((events ?? []).filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toHaveLength(1);
  });

  it('puts each send on the shared queues with its priority and its organization as the fairness key', async () => {
    const { orgId, key: ownKey, sender } = await createOrgWithKey(stack.db);
    // Sends already hold the next two seconds of the rate, so none of these goes at once: each waits its turn on the queue.
    await stack.db
      .insertInto('ses_send_schedules')
      .values({ queue: sesTaskQueueFor(stack.taskQueue), theoretical_arrival: sql<Date>`now() + interval '2 seconds'` })
      .onConflict((oc) => oc.column('queue').doUpdateSet({ theoretical_arrival: sql<Date>`now() + interval '2 seconds'` }))
      .execute();
    const urgent = await call(stack.api.url, '/api/v1/emails', {
      key: ownKey,
      body: { from: sender(), to: recipient(), subject: 'Your password reset code', text: 't', priority: 'high' },
    });
    const plain = await call(stack.api.url, '/api/v1/emails', { key: ownKey, body: { from: sender(), to: recipient(), subject: 's', text: 't' } });
    const batch = await call(stack.api.url, '/api/v1/emails/batch', {
      key: ownKey,
      body: [
        { from: sender(), to: recipient(), subject: 'digest', text: 't' },
        { from: sender(), to: recipient(), subject: 'receipt', text: 't', priority: 'normal' },
      ],
    });
    const sends = [
      [urgent.body.id, 'high', 1],
      [plain.body.id, 'normal', 3],
      [batch.body.data[0].id, 'bulk', 5],
      [batch.body.data[1].id, 'normal', 3],
    ] as const;
    for (const [id, priority, priorityKey] of sends) {
      expect((await waitForStatus(id, 'sent', ownKey)).priority).toBe(priority);
      const handle = stack.client.workflow.getHandle(emailWorkflowId(id));
      expect((await handle.describe()).priority).toMatchObject({ priorityKey, fairnessKey: orgId });
      const history = await handle.fetchHistory();
      const sesCall = history.events?.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'sendEmailViaSes');
      expect(sesCall?.activityTaskScheduledEventAttributes?.priority).toMatchObject({ priorityKey, fairnessKey: orgId });
    }
    const unknown = await call(stack.api.url, '/api/v1/emails', {
      key: ownKey,
      body: { from: sender(), to: recipient(), subject: 's', text: 't', priority: 'urgent' },
    });
    expect(unknown.status).toBe(400);
  });

  it('sends one message per entry of a batch and answers each entry', async () => {
    const addresses = [recipient(), recipient()];
    const batch = await call(stack.api.url, '/api/v1/emails/batch', {
      key,
      body: [
        { from: `a@${domain}`, to: addresses[0], subject: 'one', text: 'first' },
        { from: 'not an address', to: recipient(), subject: 'bad', text: 'x' },
        { from: `a@${domain}`, to: addresses[1], subject: 'two', html: '<b>second</b>' },
      ],
    });
    expect(batch.status).toBe(207);
    expect(batch.body.data).toMatchObject([
      { index: 0, id: expect.any(String), status: 'queued' },
      { index: 1, error: { code: 'validation_failed', details: [expect.objectContaining({ path: 'from' })] } },
      { index: 2, id: expect.any(String), status: 'queued' },
    ]);
    await waitForStatus(batch.body.data[0].id, 'sent');
    await waitForStatus(batch.body.data[2].id, 'sent');
    expect(await sesEmailsTo(stack.sesUrl, addresses[0]!)).toHaveLength(1);
    expect(await sesEmailsTo(stack.sesUrl, addresses[1]!)).toHaveLength(1);
  });
});

describe('GET /api/v1/emails', () => {
  it('filters by status, recipient and tag and pages with a cursor', async () => {
    const { key: ownKey, sender } = await createOrgWithKey(stack.db);
    const to = recipient();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const sent = await call(stack.api.url, '/api/v1/emails', {
        key: ownKey,
        body: { from: sender('a'), to: index < 3 ? to : recipient(), subject: `n${index}`, text: 't', tags: { batch: index % 2 === 0 ? 'even' : 'odd' } },
      });
      ids.push(sent.body.id);
    }
    await eventually(async () => {
      const { body } = await call(stack.api.url, '/api/v1/emails?status=sent', { key: ownKey });
      return body.data.length === 5 ? true : undefined;
    }, 'all five sent');

    const byRecipient = await call(stack.api.url, `/api/v1/emails?to=${encodeURIComponent(to.toUpperCase())}`, { key: ownKey });
    expect(byRecipient.body.data.map((email: { id: string }) => email.id).sort()).toEqual(ids.slice(0, 3).sort());

    const byTag = await call(stack.api.url, '/api/v1/emails?tag=batch:even', { key: ownKey });
    expect(byTag.body.data.map((email: { id: string }) => email.id).sort()).toEqual([ids[0], ids[2], ids[4]].sort());

    const queued = await call(stack.api.url, '/api/v1/emails?status=queued', { key: ownKey });
    expect(queued.body.data).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await call(
        stack.api.url,
        `/api/v1/emails?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { key: ownKey },
      );
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((email) => email.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('rejects unknown query parameters and bad cursors with 400', async () => {
    expect((await call(stack.api.url, '/api/v1/emails?colour=red', { key })).status).toBe(400);
    expect((await call(stack.api.url, '/api/v1/emails?cursor=nonsense', { key })).body.error.code).toBe('validation_failed');
    expect((await call(stack.api.url, '/api/v1/emails?status=lost', { key })).status).toBe(400);
  });
});
