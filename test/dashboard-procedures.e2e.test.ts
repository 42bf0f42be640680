import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createOrganization } from '../src/auth/repository.js';
import { insertVerifiedDomain } from '../src/domains/repository.js';
import { storeInbound, updateInbound } from '../src/inbound/repository.js';
import { inboundWorkflowId } from '../src/temporal/ids.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { FakeHub } from './fakes/fake-hub.js';
import { FakeSes } from './fakes/fake-ses.js';
import { signInAs, trpcCall } from './support/dashboard.js';
import { seedPartnerConnection } from './support/partner-connections.js';
import { call, eventually } from './support/http.js';
import { startStack, type Stack } from './support/stack.js';

const SSO_SECRET = 'portal-sso-secret-procedures';
const hub = new FakeHub(SSO_SECRET);
const ses = new FakeSes();
let stack: Stack;

beforeAll(async () => {
  await Promise.all([hub.start(), ses.start()]);
  stack = await startStack({
    env: {
      HUB_API_URL: hub.url,
      PORTAL_SSO_SECRET: SSO_SECRET,
      HUB_SESSION_CACHE_SECONDS: '0',
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      SES_ENDPOINT: ses.url,
      TEMPORAL_UI_URL: 'http://temporal-ui.test:8233/',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([hub.stop(), ses.stop()]);
});

/** An organization mapped from Hub, a send/read key of it, and a signed-in session per role. */
async function organization() {
  const name = `acme-${randomBytes(3).toString('hex')}`;
  const orgId = (await createOrganization(stack.db, name, randomUUID())).id;
  const { key } = await createApiKey(stack.db, { orgId, scopes: ['send', 'read'] });
  // Its own verified sending domain: mail From it is accepted, and support addresses under it are proven.
  const domain = `${name}.example`;
  await insertVerifiedDomain(stack.db, orgId, domain);
  sendingDomainOf.set(key, domain);
  const as = async (role: string) => signInAs(stack.api.url, hub, orgId, role);
  return { orgId, key, domain, as };
}

const sendingDomainOf = new Map<string, string>();

const query = (procedure: string, cookie: string, input?: unknown) => trpcCall(stack.api.url, procedure, { cookie, input });
const mutate = (procedure: string, cookie: string, input?: unknown) => trpcCall(stack.api.url, procedure, { cookie, input, mutation: true });

async function send(key: string, email: Record<string, unknown>): Promise<string> {
  const response = await call(stack.api.url, '/api/v1/emails', { key, body: { from: `Acme <hello@${sendingDomainOf.get(key)}>`, text: 'hi', ...email } });
  expect(response.status).toBe(202);
  return response.body.id as string;
}

const settled = (key: string, id: string) =>
  eventually(async () => {
    const { body } = await call(stack.api.url, `/api/v1/emails/${id}`, { key });
    return body.status === 'queued' ? undefined : body;
  }, `email ${id} to leave queued`);

describe('emails in the dashboard', () => {
  it('searches the activity log by recipient, subject, tag, status and time, and pages it', async () => {
    const { key, as } = await organization();
    const invoice = await send(key, { to: 'Billing <billing@client.example>', subject: 'Your invoice #42', tags: { product: 'books' } });
    const welcome = await send(key, { to: 'new.user@other.example', subject: 'Welcome aboard', tags: { product: 'psa' } });
    await Promise.all([settled(key, invoice), settled(key, welcome)]);
    const viewer = await as('Viewer');
    const ids = async (input: Record<string, unknown>) => {
      const answer = await query('emails.list', viewer, input);
      expect(answer.status, JSON.stringify(answer.error)).toBe(200);
      return answer.data.items.map((item: { id: string }) => item.id);
    };

    expect(await ids({})).toEqual([welcome, invoice]);
    expect(await ids({ recipient: 'BILLING@client' })).toEqual([invoice]);
    expect(await ids({ recipient: 'user@other' })).toEqual([welcome]);
    expect(await ids({ subject: 'invoice #4' })).toEqual([invoice]);
    expect(await ids({ subject: '100%' })).toEqual([]);
    expect(await ids({ tag: 'product:psa' })).toEqual([welcome]);
    expect(await ids({ status: 'sent' })).toEqual([welcome, invoice]);
    expect(await ids({ status: 'failed' })).toEqual([]);
    expect(await ids({ since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await ids({ since: new Date(Date.now() - 60_000), before: new Date(Date.now() + 60_000), subject: 'welcome' })).toEqual([welcome]);

    const first = await query('emails.list', viewer, { limit: 1 });
    expect(first.data.items[0].id).toBe(welcome);
    const second = await query('emails.list', viewer, { limit: 1, cursor: first.data.nextCursor });
    expect(second.data.items[0].id).toBe(invoice);
    expect(second.data.nextCursor).toBeNull();

    const tooShort = await query('emails.list', viewer, { subject: 'in' });
    expect(tooShort.status).toBe(400);
    expect(tooShort.error?.message).toContain('at least 3 characters');
    expect((await query('emails.list', viewer, { cursor: 'not-a-cursor' })).status).toBe(400);
  });

  it("shows one email's recipients, timeline, headers, tags, metadata and its workflow in the Temporal UI", async () => {
    const { key, as } = await organization();
    const id = await send(key, {
      to: ['a@client.example'],
      cc: ['b@client.example'],
      subject: 'Report',
      headers: { 'X-Campaign': 'autumn' },
      tags: { product: 'crm' },
      metadata: { customer: '42' },
    });
    await settled(key, id);
    const email = await query('emails.get', await as('Viewer'), { id });
    expect(email.data).toMatchObject({
      id,
      status: 'sent',
      subject: 'Report',
      cc: ['b@client.example'],
      headers: { 'X-Campaign': 'autumn' },
      tags: { product: 'crm' },
      metadata: { customer: '42' },
      workflowId: `email-${id}`,
      workflowUrl: `http://temporal-ui.test:8233/namespaces/default/workflows/email-${id}`,
      canReplay: false,
    });
    expect(email.data.events.map((event: { type: string }) => event.type)).toEqual(['queued', 'sent']);
    expect(email.data.recipientStates).toEqual([
      { address: 'a@client.example', status: 'sent', at: null },
      { address: 'b@client.example', status: 'sent', at: null },
    ]);
    const other = await organization();
    expect((await query('emails.get', await other.as('Owner'), { id })).status).toBe(404);
  });

  it('replays a failed send for a Member, never for a Viewer, and only a failed one', async () => {
    const { key, as } = await organization();
    ses.rejectWith = 'MessageRejected';
    const failed = await send(key, { to: 'x@client.example', subject: 'Rejected once' });
    expect((await settled(key, failed)).status).toBe('failed');
    ses.rejectWith = undefined;
    const sent = await send(key, { to: 'y@client.example', subject: 'Fine' });
    await settled(key, sent);

    const viewer = await as('Viewer');
    expect((await query('emails.get', viewer, { id: failed })).data.canReplay).toBe(false);
    expect((await mutate('emails.replay', viewer, { id: failed })).status).toBe(403);

    const member = await as('Member');
    expect((await query('emails.get', member, { id: failed })).data.canReplay).toBe(true);
    expect((await mutate('emails.replay', member, { id: sent })).status).toBe(409);
    const replayed = await mutate('emails.replay', member, { id: failed });
    expect(replayed.status, JSON.stringify(replayed.error)).toBe(200);
    const after = await eventually(async () => {
      const { body } = await call(stack.api.url, `/api/v1/emails/${failed}`, { key });
      return body.status === 'sent' ? body : undefined;
    }, 'the replayed email to be sent');
    expect(after.events.map((event: { type: string }) => event.type)).toEqual(['queued', 'failed', 'replayed', 'sent']);
  });

  it('refuses to replay a failed send whose content retention purged, and starts nothing', async () => {
    const { key, as } = await organization();
    ses.rejectWith = 'MessageRejected';
    const failed = await send(key, { to: 'x@client.example', subject: 'Rejected long ago' });
    expect((await settled(key, failed)).status).toBe('failed');
    ses.rejectWith = undefined;
    // What the retention Schedule leaves of it (test/retention.e2e.test.ts purges it for real).
    await stack.db.updateTable('emails').set({ content_purged_at: new Date() }).where('id', '=', failed).execute();
    const sendsBefore = ses.sendCalls.length;

    const member = await as('Member');
    expect((await query('emails.get', member, { id: failed })).data.canReplay).toBe(false);
    const refused = await mutate('emails.replay', member, { id: failed });
    expect(refused.status).toBe(409);
    expect(refused.error?.message).toMatch(/retention period/);
    const { body } = await call(stack.api.url, `/api/v1/emails/${failed}`, { key });
    expect(body.status).toBe('failed');
    expect(body.events.map((event: { type: string }) => event.type)).toEqual(['queued', 'failed']);
    expect(ses.sendCalls.length).toBe(sendsBefore);
  });

  it("counts today's and the week's sends and rates, and sends per hour", async () => {
    const { key, as } = await organization();
    for (const to of ['p@client.example', 'q@client.example']) await settled(key, await send(key, { to, subject: 'Stats' }));
    const todayStart = new Date(Date.now() - 60 * 60 * 1000);
    const stats = await query('emails.stats', await as('Viewer'), { todayStart });
    expect(stats.data.today).toMatchObject({ accepted: 2, sent: 2, failed: 0, deliveryRate: 0, bounceRate: 0, complaintRate: 0 });
    expect(stats.data.last7Days.accepted).toBe(2);
    expect(stats.data.sendsPerHour).toHaveLength(24);
    expect(stats.data.sendsPerHour.at(-1).sends).toBe(2);
    expect((await query('emails.stats', await as('Viewer'), { todayStart: new Date(0) })).status).toBe(400);
  });
});

describe('suppressions in the dashboard', () => {
  it('a Member adds and lifts; a Viewer reads; each list pages newest first', async () => {
    const { as } = await organization();
    const member = await as('Member');
    const viewer = await as('Viewer');
    const added = await mutate('suppressions.add', member, { address: 'Blocked@Client.example', note: 'asked us to stop' });
    expect(added.data).toMatchObject({ address: 'blocked@client.example', reason: 'manual', detail: { note: 'asked us to stop' }, sourceEmailId: null });
    await mutate('suppressions.add', member, { address: 'second@client.example' });
    expect((await mutate('suppressions.add', member, { address: 'second@client.example' })).status).toBe(409);
    expect((await mutate('suppressions.add', viewer, { address: 'third@client.example' })).status).toBe(403);

    const page = await query('suppressions.list', viewer, { limit: 1 });
    expect(page.data.items.map((entry: { address: string }) => entry.address)).toEqual(['second@client.example']);
    const next = await query('suppressions.list', viewer, { limit: 1, cursor: page.data.nextCursor });
    expect(next.data.items.map((entry: { address: string }) => entry.address)).toEqual(['blocked@client.example']);
    expect((await query('suppressions.list', viewer, { search: 'block' })).data.items).toHaveLength(1);

    expect((await mutate('suppressions.lift', viewer, { address: 'blocked@client.example' })).status).toBe(403);
    expect((await mutate('suppressions.lift', member, { address: 'blocked@client.example' })).data.lifted).toBe(true);
    expect((await mutate('suppressions.lift', member, { address: 'blocked@client.example' })).status).toBe(404);
    expect((await query('suppressions.list', viewer, {})).data.items).toHaveLength(1);
  });
});

describe('channels and inbound addresses in the dashboard', () => {
  it('an Admin connects and removes them; secrets are never shown back; a Member may only read', async () => {
    const { as, domain } = await organization();
    const admin = await as('Admin');
    const member = await as('Member');
    const address = `+1555${randomBytes(3).readUIntBE(0, 3).toString().padStart(7, '0')}`;
    const channel = await mutate('channels.add', admin, { type: 'twilio', address, secret: 'twilio-auth-token-secret' });
    expect(channel.status, JSON.stringify(channel.error)).toBe(200);
    expect(JSON.stringify(channel.data)).not.toContain('twilio-auth-token-secret');
    const listed = await query('channels.list', member, {});
    expect(listed.data.items).toEqual([expect.objectContaining({ id: channel.data.id, type: 'twilio', address })]);
    expect(JSON.stringify(listed.data)).not.toContain('twilio-auth-token-secret');
    expect((await mutate('channels.add', admin, { type: 'twilio', address, secret: 'another-secret' })).status).toBe(409);
    expect((await mutate('channels.add', admin, { type: 'whatsapp', address: '1234', secret: 'app-secret-1' })).status).toBe(400);
    expect((await mutate('channels.remove', member, { id: channel.data.id })).status).toBe(403);
    expect((await mutate('channels.remove', admin, { id: channel.data.id })).data.removed).toBe(true);
    expect((await query('channels.list', member, {})).data.items).toEqual([]);

    const support = `help-${randomBytes(3).toString('hex')}@${domain}`;
    expect((await mutate('inbound.addAddress', member, { address: support })).status).toBe(403);
    expect((await mutate('inbound.addAddress', admin, { address: support })).status).toBe(200);
    expect((await query('inbound.addresses', member, {})).data.items).toEqual([expect.objectContaining({ address: support })]);
    const other = await organization();
    expect((await mutate('inbound.addAddress', await other.as('Owner'), { address: support })).status).toBe(409);
    expect((await mutate('inbound.removeAddress', admin, { address: support })).data.removed).toBe(true);
  });
});

describe('the inbound archive in the dashboard', () => {
  async function archived(orgId: string, subject: string, reason: string): Promise<string> {
    const raw = Buffer.from(
      JSON.stringify({ From: 'client@client.example', To: 'nobody@relay.theonestack.com', Subject: subject, TextBody: 'hello', MessageID: randomUUID() }),
    );
    const stored = await storeInbound(stack.db, { provider: 'postmark', providerMessageId: randomUUID(), contentType: 'application/json', raw });
    if (!('id' in stored)) throw new Error('not stored');
    await updateInbound(stack.db, stored.id, { orgId, status: 'archived', archiveReason: reason });
    return stored.id;
  }

  it('lists archived mail by reason, and a Member replays one through its workflow', async () => {
    const { orgId, as } = await organization();
    const first = await archived(orgId, 'First', 'psa_note_failed');
    const second = await archived(orgId, 'Second', 'no_route');
    const viewer = await as('Viewer');
    expect((await query('inbound.archive', viewer, {})).data.items.map((item: { id: string }) => item.id)).toEqual([second, first]);
    expect((await query('inbound.archive', viewer, { reason: 'psa_note_failed' })).data.items.map((item: { id: string }) => item.id)).toEqual([first]);
    expect((await query('inbound.archiveReasons', viewer)).data).toEqual(
      expect.arrayContaining([
        { reason: 'psa_note_failed', count: 1 },
        { reason: 'no_route', count: 1 },
      ]),
    );
    expect((await query('inbound.get', viewer, { id: first })).data).toMatchObject({ id: first, status: 'archived', reason: 'psa_note_failed' });
    expect((await mutate('inbound.replay', viewer, { id: first })).status).toBe(403);

    const member = await as('Member');
    expect((await mutate('inbound.replay', member, { id: first })).data).toEqual({ id: first, status: 'received' });
    await eventually(() => stack.client.workflow.getHandle(inboundWorkflowId(first)).result(), 'the replayed inbound workflow');
    const other = await organization();
    expect((await query('inbound.get', await other.as('Owner'), { id: first })).status).toBe(404);
  });
});

describe('partner connections in the dashboard', () => {
  it("shows the signed-in user's own connections with the last delivery, and disconnects them", async () => {
    const { orgId, as } = await organization();
    const cookie = await as('Viewer');
    const me = await query('session.me', cookie);
    const { connectionId, tokenId } = await seedPartnerConnection(stack.db, {
      orgId,
      userId: me.data.user.id,
      delivery: { status: 'pending', partnerRecordId: null },
    });

    const listed = await query('partners.connections', cookie, {});
    expect(listed.data.items).toEqual([
      expect.objectContaining({
        id: connectionId,
        partner: expect.objectContaining({ name: 'MyCRM' }),
        lastDelivery: expect.objectContaining({ status: 'pending' }),
      }),
    ]);
    // Someone else in the organization sees only their own.
    expect((await query('partners.connections', await as('Owner'), {})).data.items).toEqual([]);
    expect((await mutate('partners.disconnect', await as('Owner'), { id: connectionId })).status).toBe(404);

    expect((await mutate('partners.disconnect', cookie, { id: connectionId })).data.disconnected).toBe(true);
    expect((await query('partners.connections', cookie, {})).data.items).toEqual([]);
    const token = await stack.db.selectFrom('partner_tokens').select('revoked_at').where('id', '=', tokenId).executeTakeFirstOrThrow();
    expect(token.revoked_at).not.toBeNull();
  });
});
