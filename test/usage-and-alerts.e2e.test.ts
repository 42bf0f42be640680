import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEmail, insertEmailEvent } from '../src/emails/repository.js';
import { dailyUsageScheduleId } from '../src/temporal/ids.js';
import { previousUtcDay } from '../src/usage/workflows.js';
import { ProductFake } from './fakes/product-server.js';
import { runCli } from './support/cli.js';
import { call, eventually } from './support/http.js';
import { TOPIC_ARN, makeSigningCertificate, sesEvents, sesNotification } from './support/sns.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const { key: signingKey, certificate } = makeSigningCertificate();
const bus = new ProductFake();
const books = new ProductFake();
let stack: Stack;

beforeAll(async () => {
  await Promise.all([bus.start(), books.start()]);
  stack = await startStack({
    env: {
      SNS_TOPIC_ARNS: TOPIC_ARN,
      BUS_API_URL: bus.url,
      BUS_INTEGRATION_KEY: 'bus-key',
      HUB_BILLING_API_URL: books.url,
      INTEGRATION_KEY: 'books-key',
      BOUNCE_ALERT_MIN_SENDS: '4',
      BOUNCE_ALERT_THRESHOLD: '0.2',
    },
    fetchSnsCertificate: async () => certificate,
  });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([bus.stop(), books.stop()]);
});

describe('bounce-rate alert', () => {
  it('fires once per window when the permanent-bounce rate passes the threshold', async () => {
    const { orgId, key, sender } = await createOrgWithKey(stack.db);
    const sent: { to: string; sesMessageId: string }[] = [];
    for (let index = 0; index < 4; index += 1) {
      const to = `alert-${index}-${orgId.slice(0, 6)}@example.org`;
      const { body } = await call(stack.api.url, '/api/v1/emails', { key, body: { from: sender('a'), to, subject: 's', text: 't' } });
      const email = await eventually(async () => {
        const current = (await call(stack.api.url, `/api/v1/emails/${body.id}`, { key })).body;
        return current.status === 'sent' ? current : undefined;
      }, 'sent');
      sent.push({ to, sesMessageId: email.ses_message_id });
    }
    // 1 of 4 (25 %) passes 20 %; the second bounce (50 %) is in the same window.
    for (const { to, sesMessageId } of sent.slice(0, 2)) {
      const message = sesNotification(signingKey, sesEvents.bounce(sesEvents.mail(sesMessageId, [to]), [to]));
      await call(stack.api.url, '/api/webhooks/ses', { rawBody: JSON.stringify(message), headers: { 'content-type': 'text/plain' } });
      await eventually(() => stack.client.workflow.getHandle(`ses-event-${message.MessageId}`).result(), 'the bounce processed');
    }
    const alerts = () => bus.accepted().filter((entry) => entry.body.org_id === orgId && entry.body.type === 'relay.alert.bounce_rate');
    await eventually(async () => (alerts().length > 0 ? true : undefined), 'the alert');
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]?.body.data).toEqual({ bounce_rate: 0.25, bounces: 1, sends: 4, window_hours: 24, threshold: 0.2 });
  });
});

describe('daily usage to Books', () => {
  async function sentOn(orgId: string, when: Date, count: number) {
    for (let index = 0; index < count; index += 1) {
      const id = randomUUID();
      await insertEmail(stack.db, {
        id,
        orgId,
        content: {
          from: 'a@example.com',
          to: ['b@example.org'],
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
      await insertEmailEvent(stack.db, { orgId, emailId: id, type: 'sent', occurredAt: when });
    }
  }

  it('the schedule reports yesterday per organization, once, retrying Books when it fails', async () => {
    const now = new Date();
    const yesterday = previousUtcDay(now);
    const alpha = await createOrgWithKey(stack.db);
    const beta = await createOrgWithKey(stack.db);
    await sentOn(alpha.orgId, new Date(`${yesterday}T00:00:00.000Z`), 3);
    await sentOn(beta.orgId, new Date(`${yesterday}T23:59:59.000Z`), 2);
    await sentOn(alpha.orgId, new Date(now.getTime() - 3 * 86_400_000), 5); // an older day
    books.failNext = 1;

    const schedule = stack.client.schedule.getHandle(dailyUsageScheduleId(stack.taskQueue));
    const description = await schedule.describe();
    expect(description.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 0, end: 0, step: 1 }], minute: [{ start: 5, end: 5, step: 1 }] })]);

    const runOnce = async (runs: number) => {
      await schedule.trigger();
      const action = await eventually(async () => {
        const actions = (await schedule.describe()).info.recentActions;
        return actions.length >= runs ? actions[runs - 1] : undefined;
      }, 'the scheduled run');
      return stack.client.workflow.getHandle(action.action.workflow.workflowId).result();
    };

    const first = await runOnce(1);
    expect(first.date).toBe(yesterday);
    const reports = () =>
      books
        .accepted()
        .filter((entry) => [alpha.orgId, beta.orgId].includes(entry.body.org_id))
        .map((entry) => [entry.body.org_id, entry.body.quantity, entry.headers['idempotency-key']]);
    expect(reports().sort()).toEqual(
      [
        [alpha.orgId, 3, `relay-usage:${alpha.orgId}:${yesterday}`],
        [beta.orgId, 2, `relay-usage:${beta.orgId}:${yesterday}`],
      ].sort(),
    );
    expect(books.answered.some((entry) => entry.status === 503)).toBe(true);
    expect(books.accepted()[0]?.headers['x-integration-key']).toBe('books-key');
    expect(books.accepted()[0]?.body).toMatchObject({ date: yesterday, product: 'relay', metric: 'emails_sent' });

    const second = await runOnce(2);
    expect(second).toEqual({ date: yesterday, reported: 0 });
    expect(reports()).toHaveLength(2);
  });

  it('relay billing run --date backfills one day through the same workflow', async () => {
    const { orgId } = await createOrgWithKey(stack.db);
    await sentOn(orgId, new Date('2026-01-15T12:00:00.000Z'), 4);
    const result = await runCli(['billing', 'run', '--date', '2026-01-15', '--json'], stack.cliEnv);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ date: '2026-01-15', reported: 1 });
    expect(
      books
        .accepted()
        .filter((entry) => entry.body.org_id === orgId)
        .map((entry) => entry.body.quantity),
    ).toEqual([4]);

    const bad = await runCli(['billing', 'run', '--date', '2026-02-30'], stack.cliEnv);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('YYYY-MM-DD');
  });
});
