import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEmail, insertEmailEvent } from '../src/emails/repository.js';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfig } from '../src/config.js';
import { dailyUsageScheduleId, usageReportWorkflowId } from '../src/temporal/ids.js';
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
  /** Emails sent on a day, each to `to` (a send recorded before recipients were kept on its event counts the email's). */
  async function sentOn(orgId: string, when: Date, count: number, to = ['b@example.org']) {
    for (let index = 0; index < count; index += 1) {
      const id = randomUUID();
      await insertEmail(stack.db, {
        id,
        orgId,
        content: {
          from: 'a@example.com',
          to,
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
    const alphaReport = books.accepted().find((entry) => entry.body.org_id === alpha.orgId)!.body;
    expect(alphaReport).toEqual({ org_id: alpha.orgId, date: yesterday, product: 'relay', metric: 'emails_sent', quantity: 3, recipients: 3 });

    const second = await runOnce(2);
    expect(second).toEqual({ date: yesterday, reported: 0, failed: 0 });
    expect(reports()).toHaveLength(2);
  });

  it('relay billing run --date backfills one day through the same workflow', async () => {
    const { orgId } = await createOrgWithKey(stack.db);
    await sentOn(orgId, new Date('2026-01-15T12:00:00.000Z'), 4);
    const result = await runCli(['billing', 'run', '--date', '2026-01-15', '--json'], stack.cliEnv);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ date: '2026-01-15', reported: 1, failed: 0 });
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

  it('each organization is a child workflow found by RelayOrgId; the schedule retries Books for 48 h in production and runs days side by side', async () => {
    expect(loadConfig({}).billingReportDeadlineMs).toBe(48 * 3600_000);
    const description = await stack.client.schedule.getHandle(dailyUsageScheduleId(stack.taskQueue)).describe();
    expect(description.action).toMatchObject({ workflowType: 'reportDailyUsageWorkflow', args: [{ deliverWithinMs: 48 * 3600_000 }] });
    expect(description.policies.overlap).toBe(ScheduleOverlapPolicy.ALLOW_ALL);

    const { orgId } = await createOrgWithKey(stack.db);
    await sentOn(orgId, new Date('2026-01-16T12:00:00.000Z'), 1);
    expect((await runCli(['billing', 'run', '--date', '2026-01-16', '--json'], stack.cliEnv)).code).toBe(0);
    const child = await stack.client.workflow.getHandle(usageReportWorkflowId(orgId, '2026-01-16')).describe();
    expect(child.searchAttributes).toMatchObject({ RelayOrgId: [orgId], RelayKind: ['usage-report'] });
  });

  it('counts recipients as SES bills them: every to, cc and bcc SES took, suppressed ones left out', async () => {
    const { orgId, key, sender } = await createOrgWithKey(stack.db);
    const tag = orgId.slice(0, 8);
    const suppressed = `gone-${tag}@example.org`;
    expect((await call(stack.api.url, '/api/v1/suppressions', { key, body: { address: suppressed } })).status).toBe(201);
    const { body } = await call(stack.api.url, '/api/v1/emails', {
      key,
      body: {
        from: sender('a'),
        to: [`one-${tag}@example.org`, suppressed],
        cc: [`two-${tag}@example.org`],
        bcc: [`three-${tag}@example.org`],
        subject: 's',
        text: 't',
      },
    });
    await eventually(async () => ((await call(stack.api.url, `/api/v1/emails/${body.id}`, { key })).body.status === 'sent' ? true : undefined), 'sent');
    await sentOn(orgId, new Date(), 2, ['x@example.org', 'y@example.org']);
    const today = new Date().toISOString().slice(0, 10);
    const result = await runCli(['billing', 'run', '--date', today, '--json'], stack.cliEnv);
    expect(JSON.parse(result.stdout)).toMatchObject({ failed: 0 });
    const report = books.accepted().find((entry) => entry.body.org_id === orgId)?.body;
    expect(report).toMatchObject({ quantity: 3, recipients: 3 + 2 * 2 });
  });

  it("one organization Books refuses (a 4xx) does not stop the others' reports, and raises relay.alert.billing_report_failed at once", async () => {
    const refused = await createOrgWithKey(stack.db);
    const fine = await createOrgWithKey(stack.db);
    for (const { orgId } of [refused, fine]) await sentOn(orgId, new Date('2026-01-17T08:00:00.000Z'), 2);
    books.answer = (request) => (request.body.includes(refused.orgId) ? 422 : undefined);
    try {
      const result = await runCli(['billing', 'run', '--date', '2026-01-17', '--json'], stack.cliEnv);
      expect(JSON.parse(result.stdout)).toEqual({ date: '2026-01-17', reported: 1, failed: 1 });
    } finally {
      books.answer = undefined;
    }
    expect(books.accepted().filter((entry) => entry.body.org_id === fine.orgId)).toHaveLength(1);
    expect(books.answered.filter((entry) => entry.request.body.includes(refused.orgId)).map((entry) => entry.status)).toEqual([422]);
    const alert = await eventually(
      async () => bus.accepted().find((entry) => entry.body.type === 'relay.alert.billing_report_failed' && entry.body.org_id === refused.orgId),
      'the billing alert',
    );
    expect(alert.body.data).toEqual({ date: '2026-01-17', emails_sent: 2, recipients: 2, reason: expect.stringContaining('Books answered HTTP 422') });
    expect(await stack.db.selectFrom('usage_reports').select('org_id').where('usage_date', '=', '2026-01-17').execute()).toEqual([{ org_id: fine.orgId }]);
  });

  it('a day Books does not take within the deadline (shrunk here from 48 h) raises the alert instead of being dropped', async () => {
    const { orgId } = await createOrgWithKey(stack.db);
    await sentOn(orgId, new Date('2026-01-18T08:00:00.000Z'), 1);
    books.answer = (request) => (request.body.includes(orgId) ? 503 : undefined);
    try {
      // 3.6 s: the first attempt, then the retry 5 s later falls past it.
      const result = await runCli(['billing', 'run', '--date', '2026-01-18', '--json'], { ...stack.cliEnv, BILLING_REPORT_DEADLINE_HOURS: '0.001' });
      expect(JSON.parse(result.stdout)).toEqual({ date: '2026-01-18', reported: 0, failed: 1 });
    } finally {
      books.answer = undefined;
    }
    const alert = await eventually(
      async () => bus.accepted().find((entry) => entry.body.type === 'relay.alert.billing_report_failed' && entry.body.org_id === orgId),
      'the billing alert',
    );
    expect(alert.body).toMatchObject({ id: expect.any(String), data: { date: '2026-01-18', emails_sent: 1, recipients: 1 } });
    expect(books.answered.filter((entry) => entry.request.body.includes(orgId)).every((entry) => entry.status === 503)).toBe(true);
  });
});
