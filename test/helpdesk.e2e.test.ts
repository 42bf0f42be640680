import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket, findOrCreateCustomerByEmail } from '../src/helpdesk/repository.js';
import { call } from './support/http.js';
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
});
