import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket, findOrCreateCustomerByEmail } from '../src/helpdesk/repository.js';
import { call, type JsonResponse } from './support/http.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(() => stack?.stop());

describe('helpdesk API scopes', () => {
  it('changing a ticket or a customer needs the helpdesk scope: a send-only key is refused and nothing changes', async () => {
    const sender = await createOrgWithKey(stack.db, ['send', 'read']);
    const { customer } = await findOrCreateCustomerByEmail(stack.db, sender.orgId, 'client@example.org', 'Client');
    const ticket = await createTicket(stack.db, { orgId: sender.orgId, subject: 'Printer', customerId: customer.id, channel: 'email' });
    const patchTicket = await call(stack.api.url, `/api/v1/tickets/${ticket.id}`, { key: sender.key, method: 'PATCH', body: { status: 'closed' } });
    expect(patchTicket.status).toBe(403);
    expect(patchTicket.body.error.message).toContain("'helpdesk'");
    const patchCustomer = await call(stack.api.url, `/api/v1/customers/${customer.id}`, { key: sender.key, method: 'PATCH', body: { name: 'Mallory' } });
    expect(patchCustomer.status).toBe(403);
    expect((await call(stack.api.url, `/api/v1/tickets/${ticket.id}`, { key: sender.key })).body.status).toBe('open');
    expect((await call(stack.api.url, `/api/v1/customers/${customer.id}`, { key: sender.key })).body.name).toBe('Client');

    const agent = await createOrgWithKey(stack.db, ['read', 'helpdesk']);
    const otherOrgTicket = await call(stack.api.url, `/api/v1/tickets/${ticket.id}`, { key: agent.key, method: 'PATCH', body: { status: 'closed' } });
    expect(otherOrgTicket.status).toBe(404);
  });

  it('GET /api/v1/tickets pages newest activity first with next_cursor, and refuses a cursor Relay did not make', async () => {
    const org = await createOrgWithKey(stack.db, ['read']);
    const { customer } = await findOrCreateCustomerByEmail(stack.db, org.orgId, 'pages@example.org', 'Pages');
    const subjects = ['first', 'second', 'third'];
    for (const subject of subjects) await createTicket(stack.db, { orgId: org.orgId, subject, customerId: customer.id, channel: 'email' });

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < subjects.length; pages += 1) {
      const page: JsonResponse<{ data: { subject: string }[]; next_cursor: string | null }> = await call(
        stack.api.url,
        `/api/v1/tickets?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { key: org.key },
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((ticket) => ticket.subject));
      cursor = page.body.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...subjects].reverse());

    const notOurs = Buffer.from(JSON.stringify(['yesterday', 'not-an-id'])).toString('base64url');
    for (const bad of ['%21%21', notOurs]) {
      const refused = await call(stack.api.url, `/api/v1/tickets?cursor=${bad}`, { key: org.key });
      expect(refused.status, bad).toBe(400);
      expect(refused.body.error.code).toBe('validation_failed');
    }
  });
});
