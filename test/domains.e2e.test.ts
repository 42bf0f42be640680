import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { domainWorkflowId } from '../src/temporal/ids.js';
import { FakeSesIdentities } from './fakes/fake-ses-identities.js';
import { ProductFake } from './fakes/product-server.js';
import { WebhookReceiver } from './fakes/webhook-receiver.js';
import { runCli } from './support/cli.js';
import { call, eventually } from './support/http.js';
import { sesEmailsTo } from './support/ses-store.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';
import { trpc } from './support/trpc.js';

let stack: Stack;
let identities: FakeSesIdentities;
let bus: ProductFake;
let receiver: WebhookReceiver;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;

beforeAll(async () => {
  identities = await new FakeSesIdentities().start();
  bus = await new ProductFake().start();
  receiver = await new WebhookReceiver().start();
  stack = await startStack({
    env: {
      SES_IDENTITY_ENDPOINT: identities.url,
      BUS_API_URL: bus.url,
      BUS_INTEGRATION_KEY: 'bus-key',
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
      // Checks run when a domain is added and on "check now" only: no test waits on a timer.
      // The timers themselves are tested in test/workflows/verify-domain.workflow.test.ts.
      DOMAIN_CHECK_FIRST_SECONDS: '3600',
    },
  });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin', 'webhooks']);
  const webhook = await trpc(stack.api.url, org.key, 'webhooks.create', { url: `${receiver.url}/hook`, events: ['domain.verified', 'domain.failed'] });
  expect(webhook.status).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
  await identities?.stop();
  await bus?.stop();
  await receiver?.stop();
});

const newDomain = () => `mail-${randomBytes(4).toString('hex')}.acme.example`;
const recipient = () => `to-${randomBytes(4).toString('hex')}@example.org`;

async function add(name: string, key = org.key, body: Record<string, unknown> = {}) {
  return call(stack.api.url, '/api/v1/domains', { key, body: { name, ...body } });
}

/** The domain once its verification has run its first check (SES answered pending). */
async function checkedOnce(id: string, key = org.key) {
  return eventually(async () => {
    const { body } = await call(stack.api.url, `/api/v1/domains/${id}`, { key });
    return body.last_checked_at ? body : undefined;
  }, 'the first check');
}

async function statusOf(id: string, status: string, key = org.key) {
  return eventually(async () => {
    const { body } = await call(stack.api.url, `/api/v1/domains/${id}`, { key });
    return body.status === status ? body : undefined;
  }, `the domain to be ${status}`);
}

describe('sending domains', () => {
  it('creates the SES identity and answers the DNS records to publish, each with its status', async () => {
    const name = newDomain();
    const created = await add(name.toUpperCase() + '.', org.key, { mail_from_subdomain: 'bounce' });
    expect(created.status).toBe(201);
    const tokens = identities.identities.get(name)!.tokens;
    expect(created.body).toMatchObject({ name, status: 'pending' });
    expect(created.body.records).toEqual([
      ...tokens.map((token) => ({
        purpose: 'dkim',
        type: 'CNAME',
        name: `${token}._domainkey.${name}`,
        value: `${token}.dkim.amazonses.com`,
        required: true,
        status: 'pending',
      })),
      {
        purpose: 'mail_from_mx',
        type: 'MX',
        name: `bounce.${name}`,
        value: 'feedback-smtp.us-east-1.amazonses.com',
        priority: 10,
        required: true,
        status: 'pending',
      },
      { purpose: 'mail_from_spf', type: 'TXT', name: `bounce.${name}`, value: 'v=spf1 include:amazonses.com ~all', required: true, status: 'pending' },
      {
        purpose: 'dmarc',
        type: 'TXT',
        name: `_dmarc.${name}`,
        value: `v=DMARC1; p=none; rua=mailto:dmarc-reports@${name}`,
        required: false,
        status: 'missing',
      },
    ]);
    const mailFromCall = identities.requests.find((request) => request.method === 'PUT' && request.path.endsWith('/mail-from'));
    expect(JSON.parse(mailFromCall!.body)).toEqual({ MailFromDomain: `bounce.${name}`, BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' });

    const listed = await call(stack.api.url, '/api/v1/domains', { key: org.key });
    expect(listed.body.data.map((domain: { name: string }) => domain.name)).toContain(name);
    const description = await stack.client.workflow.getHandle(domainWorkflowId(created.body.id)).describe();
    expect(description.searchAttributes).toMatchObject({ RelayOrgId: [org.orgId], RelayKind: ['domain'], RelayMessageId: [created.body.id] });
  });

  it('refuses sends from the domain until it is verified, then sends from it and its subdomains', async () => {
    const name = newDomain();
    const { body: domain } = await add(name);
    await checkedOnce(domain.id);

    const to = recipient();
    const refused = await call(stack.api.url, '/api/v1/emails', { key: org.key, body: { from: `Billing <billing@${name}>`, to, subject: 's', text: 't' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'sender_not_verified', details: { domain: name } });
    expect(refused.body.error.message).toContain(name);
    const stored = await stack.db.selectFrom('emails').select('content').where('org_id', '=', org.orgId).execute();
    expect(stored.filter((row) => row.content.to.includes(to))).toEqual([]);
    expect((await stack.client.workflow.count(`RelayOrgId = "${org.orgId}" AND RelayKind = "email"`)).count).toBe(0);

    // The organization publishes its records; SES sees them; "check now" finds out at once.
    identities.answer(name, 'success');
    stack.dns.publishTxt(`_dmarc.${name}`, 'v=DMARC1; p=quarantine');
    const checked = await call(stack.api.url, `/api/v1/domains/${domain.id}/verify`, { key: org.key, method: 'POST' });
    expect(checked.status).toBe(202);
    const verified = await statusOf(domain.id, 'verified');
    expect(new Set(verified.records.map((record: { status: string }) => record.status))).toEqual(new Set(['verified', 'found']));

    for (const from of [`billing@${name}`, `Alerts <alerts@eu.${name}>`]) {
      const sent = await call(stack.api.url, '/api/v1/emails', { key: org.key, body: { from, to, subject: from, text: 't' } });
      expect(sent.status).toBe(202);
    }
    await eventually(async () => ((await sesEmailsTo(stack.sesUrl, to)).length === 2 ? true : undefined), 'both sends at SES');
  });

  it('announces domain.verified to the webhooks and the Bus once', async () => {
    const name = newDomain();
    const { body: domain } = await add(name);
    await checkedOnce(domain.id);
    identities.answer(name, 'success');
    await call(stack.api.url, `/api/v1/domains/${domain.id}/verify`, { key: org.key, method: 'POST' });
    await statusOf(domain.id, 'verified');
    const delivered = await eventually(async () => receiver.accepted().find((entry) => entry.body.data.domainId === domain.id), 'the webhook');
    expect(delivered.body).toMatchObject({ event: 'domain.verified', data: { name, status: 'verified', verifiedAt: expect.any(String) } });
    const announced = await eventually(async () => bus.accepted().find((entry) => entry.body.data.domainId === domain.id), 'the Bus event');
    expect(announced.body).toMatchObject({ type: 'relay.domain.verified', org_id: org.orgId, data: { name } });
    // Checking a verified domain again changes nothing and announces nothing.
    await call(stack.api.url, `/api/v1/domains/${domain.id}/verify`, { key: org.key, method: 'POST' });
    await stack.client.workflow.getHandle(domainWorkflowId(domain.id)).result();
    expect(receiver.accepted().filter((entry) => entry.body.data.domainId === domain.id)).toHaveLength(1);
    expect(bus.accepted().filter((entry) => entry.body.data.domainId === domain.id)).toHaveLength(1);
  });

  it('fails a domain SES gives up on, announces domain.failed, and verifies it again on request', async () => {
    const name = newDomain();
    const { body: domain } = await add(name);
    await checkedOnce(domain.id);
    identities.answer(name, 'failed');
    await call(stack.api.url, `/api/v1/domains/${domain.id}/verify`, { key: org.key, method: 'POST' });
    const failed = await statusOf(domain.id, 'failed');
    expect(failed.failed_at).toEqual(expect.any(String));
    const delivered = await eventually(async () => receiver.accepted().find((entry) => entry.body.data.domainId === domain.id), 'the webhook');
    expect(delivered.body).toMatchObject({ event: 'domain.failed', data: { name, status: 'failed' } });
    await eventually(async () => bus.accepted().find((entry) => entry.body.type === 'relay.domain.failed' && entry.body.data.domainId === domain.id), 'Bus');

    // The records are fixed: "check now" starts the verification again.
    identities.answer(name, 'success');
    const again = await call(stack.api.url, `/api/v1/domains/${domain.id}/verify`, { key: org.key, method: 'POST' });
    expect(again.body.status).toBe('pending');
    await statusOf(domain.id, 'verified');
  });

  it('gives each domain to one organization, and says nothing of who holds it', async () => {
    const name = newDomain();
    expect((await add(name)).status).toBe(201);
    const other = await createOrgWithKey(stack.db, ['admin']);
    for (const spelling of [name, name.toUpperCase(), `${name}.`]) {
      const taken = await add(spelling, other.key);
      expect(taken.status).toBe(409);
      expect(taken.body.error.code).toBe('conflict');
      expect(JSON.stringify(taken.body)).not.toContain(org.orgId);
    }
    expect((await add(name)).status).toBe(409);
    expect((await call(stack.api.url, '/api/v1/domains', { key: other.key })).body.data.map((domain: { name: string }) => domain.name)).toEqual([other.domain]);
  });

  it('frees a failed claim for the organization that can prove the domain', async () => {
    const name = newDomain();
    const { body: squatted } = await add(name);
    await checkedOnce(squatted.id);
    identities.answer(name, 'failed');
    await call(stack.api.url, `/api/v1/domains/${squatted.id}/verify`, { key: org.key, method: 'POST' });
    await statusOf(squatted.id, 'failed');
    const owner = await createOrgWithKey(stack.db, ['admin']);
    const claimed = await add(name, owner.key);
    expect(claimed.status).toBe(201);
    expect((await call(stack.api.url, `/api/v1/domains/${squatted.id}`, { key: org.key })).status).toBe(404);
    // A fresh SES identity: new tokens, so records published for the old claim prove nothing.
    expect(claimed.body.records[0].name).not.toBe(squatted.records[0].name);
  });

  it('refuses a domain the SES account already has outside Relay', async () => {
    const name = newDomain();
    identities.preexisting(name);
    const refused = await add(name);
    expect(refused.status).toBe(409);
    expect((await call(stack.api.url, '/api/v1/domains', { key: org.key })).body.data.map((domain: { name: string }) => domain.name)).not.toContain(name);
  });

  it('deletes the domain with its SES identity; sends from it are refused again', async () => {
    const name = newDomain();
    const { body: domain } = await add(name);
    await checkedOnce(domain.id);
    identities.answer(name, 'success');
    await call(stack.api.url, `/api/v1/domains/${domain.id}/verify`, { key: org.key, method: 'POST' });
    await statusOf(domain.id, 'verified');
    const removed = await call(stack.api.url, `/api/v1/domains/${domain.id}`, { key: org.key, method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(identities.identities.has(name)).toBe(false);
    const refused = await call(stack.api.url, '/api/v1/emails', { key: org.key, body: { from: `a@${name}`, to: recipient(), subject: 's', text: 't' } });
    expect(refused.status).toBe(403);
    expect((await call(stack.api.url, `/api/v1/domains/${domain.id}`, { key: org.key, method: 'DELETE' })).status).toBe(404);
  });

  it('answers bad input with 400, other scopes with 403, SES trouble with 503, and changes nothing', async () => {
    const sender = await createOrgWithKey(stack.db, ['send', 'read']);
    const domainRows = () => stack.db.selectFrom('domains').select('id').orderBy('id').execute();
    const before = await domainRows();
    for (const body of [
      {},
      { name: 'localhost' },
      { name: 'no spaces.example' },
      { name: '-bad.example' },
      { name: 'a.example', extra: 1 },
      { name: 'a.example', mail_from_subdomain: 'two.labels' },
    ]) {
      const response = await call(stack.api.url, '/api/v1/domains', { key: org.key, body });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
    }
    expect((await add(newDomain(), sender.key)).status).toBe(403);
    identities.failWith = 500;
    try {
      const unavailable = await add(newDomain());
      expect(unavailable.status).toBe(503);
      expect(unavailable.body.error.code).toBe('service_unavailable');
    } finally {
      identities.failWith = undefined;
    }
    expect(await domainRows()).toEqual(before);
    expect((await call(stack.api.url, '/api/v1/domains/not-a-uuid', { key: org.key })).status).toBe(404);
  });

  it('pages the list newest first, over REST and tRPC, and refuses a page it cannot read', async () => {
    const owner = await createOrgWithKey(stack.db, ['admin']);
    const names = [newDomain(), newDomain(), newDomain()];
    for (const name of names) expect((await add(name, owner.key)).status).toBe(201);
    const namesOf = (domains: { name: string }[]) => domains.map((domain) => domain.name);

    const first = await call(stack.api.url, '/api/v1/domains?limit=2', { key: owner.key });
    expect(namesOf(first.body.data)).toEqual([names[2], names[1]]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await call(stack.api.url, `/api/v1/domains?limit=2&cursor=${first.body.next_cursor}`, { key: owner.key });
    // The organization's own verified domain (made with it) is the oldest.
    expect(namesOf(second.body.data)).toEqual([names[0], owner.domain]);
    expect(second.body.next_cursor).toBeNull();

    const firstPage = await trpc(stack.api.url, owner.key, 'domains.list', { limit: 2 });
    expect(namesOf(firstPage.data.items)).toEqual([names[2], names[1]]);
    const secondPage = await trpc(stack.api.url, owner.key, 'domains.list', { limit: 2, cursor: firstPage.data.nextCursor });
    expect(namesOf(secondPage.data.items)).toEqual([names[0], owner.domain]);
    expect(secondPage.data.nextCursor).toBeNull();

    const notOurs = Buffer.from(JSON.stringify(['yesterday', 'not-an-id'])).toString('base64url');
    for (const query of ['limit=0', 'limit=101', 'limit=two', 'cursor=%21%21', `cursor=${notOurs}`, 'page=2']) {
      const refused = await call(stack.api.url, `/api/v1/domains?${query}`, { key: owner.key });
      expect(refused.status, query).toBe(400);
      expect(refused.body.error.code).toBe('validation_failed');
    }
    expect((await trpc(stack.api.url, owner.key, 'domains.list', { cursor: notOurs })).error?.data.code).toBe('BAD_REQUEST');
  });

  it('serves the same through tRPC for the dashboard', async () => {
    const name = newDomain();
    const created = await trpc(stack.api.url, org.key, 'domains.create', { name, mailFromSubdomain: 'mail' });
    expect(created.data).toMatchObject({ name, status: 'pending' });
    const listed = await trpc(stack.api.url, org.key, 'domains.list');
    expect(listed.data.items.map((domain: { name: string }) => domain.name)).toContain(name);
    const one = await trpc(stack.api.url, org.key, 'domains.get', { id: created.data.id });
    expect(one.data.records).toHaveLength(6);
    const taken = await trpc(stack.api.url, (await createOrgWithKey(stack.db, ['admin'])).key, 'domains.create', { name });
    expect(taken.error?.data.code).toBe('CONFLICT');
    const sender = await createOrgWithKey(stack.db, ['send']);
    expect((await trpc(stack.api.url, sender.key, 'domains.list')).error?.data.code).toBe('FORBIDDEN');
    expect((await trpc(stack.api.url, org.key, 'domains.delete', { id: created.data.id })).data).toEqual({ id: created.data.id, deleted: true });
  });

  it('relay domains add|list|verify: operators take over an identity SES already has and verify it', async () => {
    const name = newDomain();
    identities.preexisting(name, 'pending');
    const added = await runCli(['domains', 'add', '--org', org.orgId, '--name', name, '--json'], stack.cliEnv);
    expect(added.stderr).toBe('');
    const domain = JSON.parse(added.stdout);
    expect(domain).toMatchObject({ org_id: org.orgId, name, status: 'pending' });
    expect(domain.records.filter((record: { purpose: string }) => record.purpose === 'dkim').map((record: { value: string }) => record.value)).toEqual([
      'aaaa.dkim.amazonses.com',
      'bbbb.dkim.amazonses.com',
      'cccc.dkim.amazonses.com',
    ]);
    await checkedOnce(domain.id);

    identities.answer(name, 'success');
    const verify = await runCli(['domains', 'verify', name], stack.cliEnv);
    expect(verify.stdout).toContain(`checking ${name} now`);
    await statusOf(domain.id, 'verified');
    const listed = await runCli(['domains', 'list', '--org', org.orgId, '--json'], stack.cliEnv);
    expect(JSON.parse(listed.stdout)).toContainEqual({ id: domain.id, org_id: org.orgId, name, status: 'verified' });
    const taken = await runCli(['domains', 'add', '--org', org.orgId, '--name', name], stack.cliEnv);
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain('already has this domain');
  });
});
