import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, upsertHubUser } from '../src/auth/repository.js';
import { createApiKey } from '../src/auth/repository.js';
import { generateEncryptionKey } from '../src/security/encryption.js';
import { replyWorkflowId } from '../src/temporal/ids.js';
import { FakeHub } from './fakes/fake-hub.js';
import { FakeSes } from './fakes/fake-ses.js';
import { FakeTwilio } from './fakes/reply-providers.js';
import { customerChannels } from './support/customer-messages.js';
import { insertVerifiedDomain } from '../src/domains/repository.js';
import { call, eventually } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const TWILIO = { accountSid: `AC${hex(16)}`, authToken: `twilio-token-${hex(8)}`, number: `+1444${String(Date.now()).slice(-7)}` };
const SSO_SECRET = 'workspace-sso-secret';
const POSTMARK_TOKEN = 'postmark-token';

const ses = new FakeSes();
const twilio = new FakeTwilio(TWILIO);
const hub = new FakeHub(SSO_SECRET);
let stack: Stack;
let org: { orgId: string; key: string; domain: string };
let support: string;
let customers: ReturnType<typeof customerChannels>;

beforeAll(async () => {
  await Promise.all([ses.start(), twilio.start(), hub.start()]);
  stack = await startStack({
    env: {
      RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
      SES_ENDPOINT: ses.url,
      POSTMARK_INBOUND_TOKEN: POSTMARK_TOKEN,
      TWILIO_API_URL: twilio.url,
      HUB_API_URL: hub.url,
      PORTAL_SSO_SECRET: SSO_SECRET,
    },
  });
  const organization = await createOrganization(stack.db, `acme-${hex(4)}`, randomUUID());
  const domain = `${organization.name}.example`;
  // Its verified sending domain: replies go out From it, and the support address under it is proven at once.
  await insertVerifiedDomain(stack.db, organization.id, domain);
  org = { orgId: organization.id, key: (await createApiKey(stack.db, { orgId: organization.id, scopes: ['read', 'helpdesk', 'admin'] })).key, domain };
  support = `help-${hex(3)}@${org.domain}`;
  expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: support } })).status).toBe(201);
  const sms = await call(stack.api.url, '/api/v1/channels', {
    key: org.key,
    body: { type: 'twilio', address: TWILIO.number, secret: TWILIO.authToken, credentials: { account_sid: TWILIO.accountSid } },
  });
  expect(sms.status).toBe(201);
  customers = customerChannels({
    apiUrl: stack.api.url,
    publicUrl: stack.config.publicUrl,
    postmarkToken: POSTMARK_TOKEN,
    twilio: TWILIO,
    whatsapp: { phoneNumberId: '0', appSecret: '-' },
    messenger: { pageId: '0', appSecret: '-' },
    slack: { address: 'T:C', signingSecret: '-' },
  });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([ses.stop(), twilio.stop(), hub.stop()]);
});

const api = (path: string, options: { method?: string; body?: unknown; key?: string } = {}) => call(stack.api.url, path, { key: org.key, ...options });

async function emailTicket(subject = 'Printer jammed', from = `client-${hex(4)}@client.example`, text = 'Paper stuck in tray 2') {
  const sent = await customers.email({ from, to: support, subject, text });
  expect(sent.status).toBe(200);
  const ticket = await eventually(
    () =>
      stack.db
        .selectFrom('tickets')
        .innerJoin('customers', 'customers.id', 'tickets.customer_id')
        .selectAll('tickets')
        .where('tickets.org_id', '=', org.orgId)
        .where('customers.email', '=', from)
        .where('tickets.subject', '=', subject)
        .executeTakeFirst(),
    'the email ticket',
  );
  return { ...ticket, from, messageId: sent.messageId };
}

const eventsOf = async (type: string) =>
  (
    await stack.db.selectFrom('webhook_events').select(['payload']).where('org_id', '=', org.orgId).where('type', '=', type).orderBy('created_at').execute()
  ).map((row) => row.payload.data);

/** A person of the organization signed in through Hub with `role`: their session cookie. */
async function signIn(role: string, email = `${hex(3)}@acme.example`) {
  // As a browser does: Relay's sign-in link, Hub, and back with the state cookie Relay set.
  const { cookie } = await hub.signIn(stack.api.url, { hubUserId: `hub-${hex(4)}`, orgId: org.orgId, role, email }, '/');
  if (!cookie) throw new Error(`no session for a ${role}`);
  return cookie;
}

async function trpcAs(cookie: string, procedure: string, input: unknown, mutation: boolean) {
  const response = mutation
    ? await fetch(`${stack.api.url}/api/trpc/${procedure}`, {
        method: 'POST',
        headers: { cookie, 'x-relay-csrf': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ json: input }),
      })
    : await fetch(`${stack.api.url}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { headers: { cookie } });
  const body = (await response.json()) as { result?: { data: { json: any } }; error?: { json: { message: string } } };
  return { status: response.status, data: body.result?.data.json, error: body.error?.json };
}

describe('private notes', () => {
  it('join the conversation, are never sent, and are announced as conversation.created with private: true', async () => {
    const ticket = await emailTicket();
    const note = await api(`/api/v1/tickets/${ticket.id}/notes`, { body: { body: 'Customer is a VIP, be quick.' } });
    expect(note.status).toBe(201);
    const { body: view } = await api(`/api/v1/tickets/${ticket.id}`);
    expect(view.conversation.map((message: { direction: string }) => message.direction)).toEqual(['inbound', 'note']);
    expect((await eventsOf('conversation.created')).find((data) => data.conversationId === note.body.id)).toMatchObject({ private: true, direction: 'note' });
    expect(ses.requests).toHaveLength(0);
    expect((await api(`/api/v1/tickets/${ticket.id}/notes`, { body: { body: ' ' } })).status).toBe(400);
  });
});

describe('assignment, status, priority and tags', () => {
  it('assign to a person of the organization by email, tag, and emit each event once; strangers and bad tags are refused', async () => {
    const ticket = await emailTicket('Assign me');
    const agent = await upsertHubUser(stack.db, { orgId: org.orgId, hubUserId: `hub-${hex(4)}`, email: `Agent-${hex(2)}@acme.example`, name: 'Agent A' });
    const stranger = await createOrgWithKey(stack.db);
    const outsider = await upsertHubUser(stack.db, { orgId: stranger.orgId, hubUserId: `hub-${hex(4)}`, email: `out-${hex(2)}@other.example`, name: 'Out' });

    const refused = await api(`/api/v1/tickets/${ticket.id}`, { method: 'PATCH', body: { assignee: outsider.id } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('person of this organization');

    const patched = await api(`/api/v1/tickets/${ticket.id}`, {
      method: 'PATCH',
      body: {
        assignee: (await stack.db.selectFrom('users').select('email').where('id', '=', agent.id).executeTakeFirstOrThrow()).email!.toUpperCase(),
        tags: ['Billing', 'vip', 'billing'],
        priority: 'urgent',
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ assignee: agent.id, tags: ['billing', 'vip'], priority: 'urgent' });
    expect((await eventsOf('ticket.assigned')).at(-1)).toMatchObject({ ticketId: ticket.id, assignee: agent.id, previousAssignee: null });
    expect((await eventsOf('ticket.updated')).at(-1)?.changes).toEqual({
      assignee: { from: null, to: agent.id },
      priority: { from: 'normal', to: 'urgent' },
      tags: { from: [], to: ['billing', 'vip'] },
    });
    expect((await api(`/api/v1/tickets/${ticket.id}`, { method: 'PATCH', body: { tags: ['<script>'] } })).status).toBe(400);
    const tagged = await api('/api/v1/tickets?tag=vip');
    expect(tagged.body.data.map((row: { id: string }) => row.id)).toEqual([ticket.id]);
  });
});

describe('saved replies', () => {
  it('are listed by name, changed and deleted; a second one of the same name is a conflict', async () => {
    const created = await api('/api/v1/saved-replies', { body: { name: 'Restart', body: 'Please restart the device and try again.' } });
    expect(created.status).toBe(201);
    expect((await api('/api/v1/saved-replies', { body: { name: 'Restart', body: 'again' } })).status).toBe(409);
    expect((await api(`/api/v1/saved-replies/${created.body.id}`, { method: 'PATCH', body: { body: 'Please restart it.' } })).body.body).toBe(
      'Please restart it.',
    );
    expect((await api('/api/v1/saved-replies')).body.data.map((reply: { name: string }) => reply.name)).toContain('Restart');
    const other = await createOrgWithKey(stack.db, ['helpdesk', 'read']);
    expect((await call(stack.api.url, `/api/v1/saved-replies/${created.body.id}`, { key: other.key, method: 'DELETE' })).status).toBe(404);
    expect((await api(`/api/v1/saved-replies/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('merging tickets', () => {
  it('moves the conversation, closes the merged ticket pointing at the other, and its number threads there', async () => {
    const from = `merge-${hex(4)}@client.example`;
    const first = await emailTicket('Login fails', from, 'Cannot log in');
    const second = await emailTicket('Still cannot log in', from, 'Any news?');
    const merged = await api(`/api/v1/tickets/${first.id}/merge`, { body: { into: second.id } });
    expect(merged.status).toBe(200);
    expect(merged.body.conversation.map((message: { body_text: string }) => message.body_text)).toEqual(['Cannot log in', 'Any news?']);
    const { body: closed } = await api(`/api/v1/tickets/${first.id}`);
    expect(closed).toMatchObject({ status: 'closed', merged_into: second.id, conversation: [] });
    expect((await eventsOf('ticket.status_changed')).at(-1)).toMatchObject({ ticketId: first.id, status: 'closed', mergedInto: { ticketId: second.id } });

    // The customer writes about the old number: it lands in the ticket it was merged into.
    await customers.email({ from, to: support, subject: `Re: Login fails [Ticket #${first.number}]`, text: 'Hello again' });
    await eventually(
      async () => ((await api(`/api/v1/tickets/${second.id}`)).body.conversation.length === 3 ? true : undefined),
      'the answer in the merged ticket',
    );

    expect((await api(`/api/v1/tickets/${first.id}/merge`, { body: { into: second.id } })).status).toBe(409);
    expect((await api(`/api/v1/tickets/${second.id}/merge`, { body: { into: second.id } })).status).toBe(400);
    const other = await createOrgWithKey(stack.db, ['helpdesk', 'read']);
    expect((await call(stack.api.url, `/api/v1/tickets/${second.id}/merge`, { key: other.key, body: { into: first.id } })).status).toBe(404);
    // The inbox leaves merged tickets out.
    expect((await api('/api/v1/tickets?limit=100')).body.data.map((row: { id: string }) => row.id)).not.toContain(first.id);
  });
});

describe('tickets started by an agent', () => {
  it('by email: the customer is created and mailed from the support address; their answer threads back', async () => {
    const to = `prospect-${hex(4)}@client.example`;
    const started = await api('/api/v1/tickets', {
      body: { channel: 'email', to, name: 'Pat Prospect', subject: 'Your quote', body: 'Here is the quote you asked for.' },
    });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ subject: 'Your quote', channel: 'email', customer: { email: to } });
    const replyId = started.body.conversation[0].id;
    await stack.client.workflow.getHandle(replyWorkflowId(replyId)).result();
    const request = JSON.parse(ses.requests.at(-1)!.body);
    expect(request.Destination.ToAddresses).toEqual([to]);
    expect(request.FromEmailAddress).toContain(`<${support}>`);
    // The first message of a conversation is no reply: no "Re:".
    expect(request.Content.Simple.Subject.Data).toBe(`Your quote [Ticket #${started.body.number}]`);
    expect((await eventsOf('ticket.created')).at(-1)).toMatchObject({ ticketId: started.body.id, customerEmail: to });

    const { body: reply } = await api(`/api/v1/tickets/${started.body.id}/replies/${replyId}`);
    await customers.email({
      from: to,
      to: support,
      subject: 'Re: Your quote',
      text: 'Looks good',
      inReplyTo: `<${reply.provider_message_id}@email.amazonses.com>`,
    });
    await eventually(async () => ((await api(`/api/v1/tickets/${started.body.id}`)).body.conversation.length === 2 ? true : undefined), 'the answer');
  });

  it("by SMS: the first text goes out from the organization's number, and the customer's answer comes back to the same ticket", async () => {
    const to = `+1444${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const key = `start-${hex(4)}`;
    const started = await call(stack.api.url, '/api/v1/tickets', {
      key: org.key,
      body: { channel: 'sms', to, body: 'Your repair is ready for pickup.' },
      headers: { 'idempotency-key': key },
    });
    expect(started.status).toBe(201);
    const again = await call(stack.api.url, '/api/v1/tickets', {
      key: org.key,
      body: { channel: 'sms', to, body: 'Your repair is ready for pickup.' },
      headers: { 'idempotency-key': key },
    });
    expect(again.body.id).toBe(started.body.id);
    await stack.client.workflow.getHandle(replyWorkflowId(started.body.conversation[0].id)).result();
    expect(twilio.accepted.filter((send) => send.fields.To === to).map((send) => send.fields)).toMatchObject([
      { From: TWILIO.number, Body: 'Your repair is ready for pickup.' },
    ]);

    await customers.sms(to, 'On my way!');
    await eventually(async () => ((await api(`/api/v1/tickets/${started.body.id}`)).body.conversation.length === 2 ? true : undefined), 'the SMS answer');
    expect((await api('/api/v1/tickets', { body: { channel: 'sms', to: '555', body: 'x' } })).status).toBe(400);
  });
});

describe('the dashboard procedures', () => {
  it("let Viewers read the inbox and a ticket, and Members work it; a Viewer's change is refused", async () => {
    const ticket = await emailTicket('Dashboard ticket');
    const viewer = await signIn('Viewer');
    const member = await signIn('Member', `member-${hex(2)}@acme.example`);

    const inbox = await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', search: 'Dashboard' }, false);
    expect(inbox.status).toBe(200);
    expect(inbox.data.tickets.map((row: { id: string }) => row.id)).toEqual([ticket.id]);
    const detail = await trpcAs(viewer, 'helpdesk.ticket', { id: ticket.id }, false);
    expect(detail.data.timeline).toHaveLength(1);
    expect(detail.data.preferredChannel).toBe('email');

    expect((await trpcAs(viewer, 'helpdesk.note', { ticketId: ticket.id, body: 'no' }, true)).status).toBe(403);
    const noted = await trpcAs(member, 'helpdesk.note', { ticketId: ticket.id, body: 'Checked the logs.' }, true);
    expect(noted.status).toBe(200);
    const me = await trpcAs(member, 'session.me', undefined, false);
    const assigned = await trpcAs(member, 'helpdesk.update', { id: ticket.id, change: { assignee: me.data.user.id, status: 'pending' } }, true);
    expect(assigned.data.assignee.id).toBe(me.data.user.id);
    expect(assigned.data.timeline.at(-1)).toMatchObject({ kind: 'note', author: { id: me.data.user.id } });
    const mine = await trpcAs(member, 'helpdesk.inbox', { view: 'mine' }, false);
    expect(mine.data.tickets.map((row: { id: string }) => row.id)).toEqual([ticket.id]);
    const counts = await trpcAs(member, 'helpdesk.counts', undefined, false);
    expect(counts.data.mine).toBe(1);
  });

  it('filter the inbox by channel, tag, status and assignee (channel and tag over REST too), list the tags in use, and refuse an unknown channel', async () => {
    const tag = `tag${hex(3)}`;
    const email = await emailTicket(`Filtered ${hex(2)}`);
    expect((await api(`/api/v1/tickets/${email.id}`, { method: 'PATCH', body: { tags: [tag] } })).status).toBe(200);
    const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    expect((await customers.sms(phone, 'Texting in')).status).toBe(200);
    const sms = await eventually(
      () =>
        stack.db
          .selectFrom('tickets')
          .innerJoin('customers', 'customers.id', 'tickets.customer_id')
          .select('tickets.id')
          .where('tickets.org_id', '=', org.orgId)
          .where('customers.phone', '=', phone)
          .executeTakeFirst(),
      'the SMS ticket',
    );
    const viewer = await signIn('Viewer');
    const ids = (page: { data: { tickets: { id: string }[] } }) => page.data.tickets.map((row) => row.id);

    const bySms = await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', channel: 'twilio', limit: 100 }, false);
    expect(ids(bySms)).toContain(sms.id);
    expect(ids(bySms)).not.toContain(email.id);
    const byEmail = await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', channel: 'email', limit: 100 }, false);
    expect(ids(byEmail)).toContain(email.id);
    expect(ids(byEmail)).not.toContain(sms.id);
    expect(ids(await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', tag }, false))).toEqual([email.id]);
    expect((await trpcAs(viewer, 'helpdesk.tags', undefined, false)).data).toContain(tag);
    expect((await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', channel: 'fax' }, false)).status).toBe(400);
    // Each tab's count is under the same search, tag and channel as the list it heads.
    const countsOf = async (match: Record<string, string>) => (await trpcAs(viewer, 'helpdesk.counts', match, false)).data;
    expect(await countsOf({ tag })).toEqual({ mine: 0, unassigned: 1, open: 1, pending: 0, all: 1 });
    expect((await countsOf({ channel: 'twilio' })).all).toBe(
      ids(await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', channel: 'twilio', limit: 100 }, false)).length,
    );
    expect((await countsOf({ search: email.subject, tag })).all).toBe(1);
    expect((await countsOf({ search: `nothing-${hex(4)}` })).all).toBe(0);
    expect((await trpcAs(viewer, 'helpdesk.counts', { channel: 'fax' }, false)).status).toBe(400);

    // A status or a person picked beside the view takes the place of the view's own.
    const me = await trpcAs(viewer, 'session.me', undefined, false);
    expect((await api(`/api/v1/tickets/${email.id}`, { method: 'PATCH', body: { assignee: me.data.user.id, status: 'resolved' } })).status).toBe(200);
    expect(ids(await trpcAs(viewer, 'helpdesk.inbox', { view: 'open', status: 'resolved', tag }, false))).toEqual([email.id]);
    expect(ids(await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', status: 'open', tag }, false))).toEqual([]);
    expect(ids(await trpcAs(viewer, 'helpdesk.inbox', { view: 'unassigned', status: 'resolved', assignee: me.data.user.id }, false))).toEqual([email.id]);

    const rest = await api('/api/v1/tickets?channel=sms&limit=100');
    expect(rest.status).toBe(200);
    expect(rest.body.data.map((row: { id: string }) => row.id)).toContain(sms.id);
    expect(rest.body.data.map((row: { id: string }) => row.id)).not.toContain(email.id);
    expect((await api('/api/v1/tickets?channel=fax')).status).toBe(400);
  });

  it('page through the inbox with a keyset cursor and find tickets by customer, subject and conversation text', async () => {
    const word = `zebra${hex(3)}`;
    const name = `Quentin ${hex(2)}`;
    const a = await emailTicket(`Subject with ${word}`);
    const b = await emailTicket('Plain subject', `q-${hex(3)}@client.example`, `the ${word}s escaped`);
    const c = await customers.email({ from: `named-${hex(3)}@client.example`, fromName: name, to: support, subject: 'By name', text: 'hi' });
    expect(c.status).toBe(200);
    const viewer = await signIn('Viewer');
    const found = await eventually(async () => {
      const page = await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', search: word }, false);
      return page.data.tickets.length === 2 ? page.data.tickets : undefined;
    }, 'both tickets found');
    expect(found.map((row: { id: string }) => row.id).sort()).toEqual([a.id, b.id].sort());
    const byName = await eventually(async () => {
      const page = await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', search: name.split(' ')[1] }, false);
      return page.data.tickets.length === 1 ? page.data.tickets : undefined;
    }, 'the ticket by customer name');
    expect(byName[0].customer.name).toBe(name);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', limit: 2, ...(cursor ? { cursor } : {}) }, false);
      seen.push(...page.data.tickets.map((row: { id: string }) => row.id));
      cursor = page.data.nextCursor ?? undefined;
    } while (cursor);
    const all = await trpcAs(viewer, 'helpdesk.counts', undefined, false);
    expect(seen).toHaveLength(all.data.all);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await trpcAs(viewer, 'helpdesk.inbox', { view: 'all', cursor: 'not-a-cursor' }, false)).status).toBe(400);
  });
});
