import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { retentionScheduleId } from '../src/temporal/ids.js';
import { PartnerReceiver } from './fakes/partner-receiver.js';
import { WebhookReceiver } from './fakes/webhook-receiver.js';
import { call, eventually } from './support/http.js';
import { runCli } from './support/cli.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { trpc } from './support/trpc.js';

const ADMIN = 'retention-admin-key';
const POSTMARK_TOKEN = 'retention-postmark-token';
let stack: Stack;
let webhooks: WebhookReceiver;
let partnerReceiver: PartnerReceiver;

beforeAll(async () => {
  stack = await startStack({
    env: {
      RELAY_ADMIN_KEY: ADMIN,
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
      POSTMARK_INBOUND_TOKEN: POSTMARK_TOKEN,
    },
  });
  webhooks = await new WebhookReceiver('retention-secret').start();
  partnerReceiver = await new PartnerReceiver('unused').start();
});
afterAll(async () => {
  await stack?.stop();
  await webhooks?.stop();
  await partnerReceiver?.stop();
});

const daysAgo = (days: number) => sql<Date>`now() - make_interval(days => ${days}::integer)`;

/**
 * Everything retention covers, made through the API for one organization: a sent email with
 * an attachment, an inbound email with an attachment that opens a ticket (its raw request,
 * parsed bodies, routing), the ticket.created webhook delivery it raises and a partner
 * delivery of a debrief; returns the ids to age and check.
 */
async function seed(org: Awaited<ReturnType<typeof createOrgWithKey>>, partnerId: string) {
  const support = `help-${randomBytes(3).toString('hex')}@${org.domain}`;
  expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } })).status).toBeLessThan(300);
  const hook = await trpc(stack.api.url, org.key, 'webhooks.create', { url: `${webhooks.url}/hook`, events: ['ticket.created'], secret: 'retention-secret' });
  expect(hook.status).toBe(200);

  const sent = await call(stack.api.url, '/api/v1/emails', {
    key: org.key,
    body: {
      from: org.sender(),
      to: 'reader@example.org',
      subject: 'Your invoice',
      html: '<p>secret body</p>',
      text: 'secret body',
      attachments: [{ filename: 'invoice.txt', content: Buffer.from('invoice').toString('base64'), content_type: 'text/plain' }],
    },
  });
  expect(sent.status).toBe(202);
  const emailId = sent.body.id as string;
  await eventually(async () => ((await call(stack.api.url, `/api/v1/emails/${emailId}`, { key: org.key })).body.status === 'sent' ? true : undefined), 'sent');

  const messageId = randomUUID();
  const inbound = await call(stack.api.url, '/api/webhooks/inbound-email', {
    rawBody: JSON.stringify({
      From: 'client@client.example',
      To: support,
      Subject: 'Need help',
      TextBody: 'private text',
      HtmlBody: '<p>private text</p>',
      MessageID: messageId,
      Attachments: [{ Name: 'photo.txt', Content: Buffer.from('photo').toString('base64'), ContentType: 'text/plain', ContentLength: 5 }],
    }),
    headers: { 'content-type': 'application/json', 'x-postmark-token': POSTMARK_TOKEN },
  });
  expect(inbound.status).toBe(200);
  const inboundRow = await eventually(
    () =>
      stack.db
        .selectFrom('inbound_messages')
        .select(['id', 'status'])
        .where('provider_message_id', '=', messageId)
        .where('status', '<>', 'received')
        .executeTakeFirst(),
    'the inbound message handled',
  );
  const delivery = await eventually(
    () => stack.db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', hook.data.id).where('status', '=', 'succeeded').executeTakeFirst(),
    'the webhook delivered',
  );

  // A RelayIt partner connection for a user of the organization, and one debrief action.
  const userId = randomUUID();
  const tokenId = randomUUID();
  await stack.db
    .insertInto('users')
    .values({ id: userId, org_id: org.orgId, hub_user_id: `retention-${userId}`, email: null, name: null })
    .execute();
  await stack.db
    .insertInto('partner_tokens')
    .values({ id: tokenId, token_hash: randomBytes(32), partner_id: partnerId, user_id: userId, scope: 'default', revoked_at: null })
    .execute();
  await stack.db.insertInto('crm_connections').values({ id: randomUUID(), partner_id: partnerId, user_id: userId, token_id: tokenId }).execute();
  const debrief = await call(stack.api.url, '/api/v1/debriefs', {
    key: org.key,
    body: { user_id: userId, actions: [{ action: 'create_note', record_id: 'r1', content: 'private note' }] },
  });
  expect(debrief.status).toBe(202);
  const partnerKey = debrief.body.deliveries[0].idempotency_key as string;
  await eventually(
    () => stack.db.selectFrom('partner_delivery_attempts').select('id').where('idempotency_key', '=', partnerKey).executeTakeFirst(),
    'the partner delivery attempted',
  );
  return { emailId, inboundId: inboundRow.id, deliveryId: delivery.id, partnerKey };
}

type Seeded = Awaited<ReturnType<typeof seed>>;

/** Moves everything of `seeded` `days` into the past. */
async function age(seeded: Seeded, days: number) {
  await stack.db
    .updateTable('emails')
    .set({ created_at: daysAgo(days) })
    .where('id', '=', seeded.emailId)
    .execute();
  await stack.db
    .updateTable('inbound_messages')
    .set({ received_at: daysAgo(days) })
    .where('id', '=', seeded.inboundId)
    .execute();
  await stack.db
    .updateTable('inbound_routing_attempts')
    .set({ attempted_at: daysAgo(days) })
    .where('inbound_id', '=', seeded.inboundId)
    .execute();
  await stack.db
    .updateTable('webhook_delivery_attempts')
    .set({ attempted_at: daysAgo(days) })
    .where('delivery_id', '=', seeded.deliveryId)
    .execute();
  await stack.db
    .updateTable('partner_delivery_attempts')
    .set({ at: daysAgo(days) })
    .where('idempotency_key', '=', seeded.partnerKey)
    .execute();
}

/** What is left of `seeded`: the content retention removes, and the metadata it keeps. */
async function leftOf(seeded: Seeded) {
  const email = await stack.db.selectFrom('emails').selectAll().where('id', '=', seeded.emailId).executeTakeFirstOrThrow();
  const inbound = await stack.db.selectFrom('inbound_messages').selectAll().where('id', '=', seeded.inboundId).executeTakeFirstOrThrow();
  const count = async (query: { execute(): Promise<unknown[]> }) => (await query.execute()).length;
  return {
    email: {
      html: email.content.html,
      text: email.content.text,
      attachments: email.content.attachments.length,
      subject: email.subject,
      recipients: email.recipients,
      status: email.status,
      sesMessageId: email.ses_message_id !== null,
      purged: email.content_purged_at !== null,
      events: await count(stack.db.selectFrom('email_events').select('id').where('email_id', '=', seeded.emailId)),
    },
    inbound: {
      rawBytes: inbound.raw.length,
      text: inbound.parsed?.text ?? null,
      html: inbound.parsed?.html ?? null,
      subject: inbound.parsed?.subject,
      from: inbound.parsed?.from.address,
      status: inbound.status,
      purged: inbound.content_purged_at !== null,
      attachments: await count(stack.db.selectFrom('inbound_attachments').select('id').where('inbound_id', '=', seeded.inboundId)),
    },
    webhookAttempts: await count(stack.db.selectFrom('webhook_delivery_attempts').select('id').where('delivery_id', '=', seeded.deliveryId)),
    webhookDelivery: (await stack.db.selectFrom('webhook_deliveries').select('status').where('id', '=', seeded.deliveryId).executeTakeFirst())?.status,
    partnerAttempts: await count(stack.db.selectFrom('partner_delivery_attempts').select('id').where('idempotency_key', '=', seeded.partnerKey)),
    partnerDelivery: (await stack.db.selectFrom('partner_deliveries').select('status').where('idempotency_key', '=', seeded.partnerKey).executeTakeFirst())
      ?.status,
  };
}

describe('retention', () => {
  it('defaults to 30 days in production, and the worker keeps an hourly schedule that runs it', async () => {
    expect(loadConfig({}).orgLimits.retentionDays).toBe(30);
    const schedule = await stack.client.schedule.getHandle(retentionScheduleId(stack.config.temporal.taskQueue)).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'purgeExpiredContentWorkflow' });
    expect(schedule.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
  });

  it("purges bodies, attachments, raw requests and delivery logs past each organization's period, keeps newer ones and the metadata", async () => {
    const partner = await call(stack.api.url, '/api/admin/partners', {
      key: ADMIN,
      body: { name: 'Retention CRM', redirect_uris: ['https://crm.example/cb'], webhook_url: `${partnerReceiver.url}/relayit` },
    });
    expect(partner.status).toBe(201);
    partnerReceiver.secret = partner.body.webhook_signing_secret;

    // Organization A keeps the default 30 days; B is set to 7 through the admin API.
    const a = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks', 'debriefs', 'admin', 'helpdesk']);
    const b = await createOrgWithKey(stack.db, ['send', 'read', 'webhooks', 'debriefs', 'admin', 'helpdesk']);
    const setB = await call(stack.api.url, `/api/admin/organizations/${b.orgId}/limits`, { key: ADMIN, method: 'PATCH', body: { retention_days: 7 } });
    expect(setB.body).toMatchObject({ retention_days: 7, effective: { retention_days: 7 } });
    expect((await call(stack.api.url, `/api/admin/organizations/${a.orgId}/limits`, { key: ADMIN })).body.effective.retention_days).toBe(30);

    const aOld = await seed(a, partner.body.id);
    const aRecent = await seed(a, partner.body.id);
    const bOld = await seed(b, partner.body.id);
    await age(aOld, 31);
    await age(aRecent, 20);
    await age(bOld, 8);
    const before = await leftOf(aRecent);

    const purged = await stack.client.workflow.execute('purgeExpiredContentWorkflow', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: `retention-test-${randomUUID()}`,
    });
    expect(purged).toMatchObject({ emails: 2, inboundMessages: 2, webhookAttempts: 2, partnerAttempts: 2 });

    for (const old of [aOld, bOld]) {
      const left = await leftOf(old);
      expect(left.email).toEqual({
        html: null,
        text: null,
        attachments: 0,
        subject: 'Your invoice',
        recipients: ['reader@example.org'],
        status: 'sent',
        sesMessageId: true,
        purged: true,
        events: before.email.events,
      });
      expect(left.inbound).toMatchObject({
        rawBytes: 0,
        text: null,
        html: null,
        subject: 'Need help',
        from: 'client@client.example',
        purged: true,
        attachments: 0,
      });
      expect(left.inbound.status).toBe(before.inbound.status);
      expect(left).toMatchObject({ webhookAttempts: 0, webhookDelivery: 'succeeded', partnerAttempts: 0, partnerDelivery: 'succeeded' });
    }
    // Twenty days old is inside A's 30: untouched.
    expect(await leftOf(aRecent)).toEqual(before);
    expect(before).toMatchObject({
      email: { html: '<p>secret body</p>', text: 'secret body', attachments: 1, purged: false },
      inbound: { text: 'private text', purged: false, attachments: 1 },
      webhookAttempts: 1,
      partnerAttempts: 1,
    });
    expect(before.inbound.rawBytes).toBeGreaterThan(0);
  });

  it('sets an organization\'s period with the CLI, back to the default with "default"', async () => {
    const org = await createOrgWithKey(stack.db);
    const set = await runCli(['orgs', 'limits', '--org', org.orgId, '--retention-days', '90', '--json'], stack.cliEnv);
    expect(JSON.parse(set.stdout)).toMatchObject({ retention_days: 90, effective: { retention_days: 90 } });
    const reset = await runCli(['orgs', 'limits', '--org', org.orgId, '--retention-days', 'default', '--json'], stack.cliEnv);
    expect(reset.stderr).toBe('');
    expect(JSON.parse(reset.stdout)).toMatchObject({ retention_days: null, effective: { retention_days: 30 } });
    const refused = await call(stack.api.url, `/api/admin/organizations/${org.orgId}/limits`, { key: ADMIN, method: 'PATCH', body: { retention_days: 0 } });
    expect(refused.status).toBe(400);
  });
});
