import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundWorkflowId } from '../src/temporal/ids.js';
import { call, eventually } from './support/http.js';
import { sesEmailsTo, type StoredEmail } from './support/ses-store.js';
import { createOrgWithKey, startStack, type Stack } from './support/stack.js';

const POSTMARK_TOKEN = 'postmark-token';
let stack: Stack;
let org: Awaited<ReturnType<typeof createOrgWithKey>>;

beforeAll(async () => {
  stack = await startStack({ env: { POSTMARK_INBOUND_TOKEN: POSTMARK_TOKEN, RELAY_SYSTEM_FROM: 'Relay <no-reply@relay.test>' } });
  org = await createOrgWithKey(stack.db, ['send', 'read', 'admin']);
});
afterAll(() => stack?.stop());

const newAddress = () => `help-${randomBytes(4).toString('hex')}@shop-${randomBytes(3).toString('hex')}.example`;
const claim = (address: string, key = org.key) => call(stack.api.url, '/api/v1/inbound-addresses', { key, body: { address } });
const listed = async (key = org.key) =>
  (await call(stack.api.url, '/api/v1/inbound-addresses', { key })).body.data as { address: string; status: string; verified_by: string | null }[];
const stateOf = async (address: string, key = org.key) => (await listed(key)).find((entry) => entry.address === address);

/** The confirmation Relay mailed to the address, as the SES emulator holds it. */
async function confirmationMail(address: string): Promise<StoredEmail> {
  return eventually(async () => (await sesEmailsTo(stack.sesUrl, address))[0], `the confirmation mail to ${address}`);
}

/** An inbound message to `to` through Postmark; resolves with the inbound workflow's outcome. */
async function inbound(mail: { to: string; subject: string; text: string; from?: string }) {
  const response = await call(stack.api.url, '/api/webhooks/inbound-email', {
    headers: { 'x-postmark-token': POSTMARK_TOKEN },
    body: {
      From: mail.from ?? `customer-${randomBytes(3).toString('hex')}@client.example`,
      To: mail.to,
      Subject: mail.subject,
      TextBody: mail.text,
      MessageID: `${randomBytes(8).toString('hex')}@client.example`,
    },
  });
  expect(response.status).toBe(200);
  return eventually(() => stack.client.workflow.getHandle(inboundWorkflowId(response.body.id)).result(), 'the inbound message');
}

describe('support addresses need proof of ownership', () => {
  it('keeps a claimed address pending, routing nothing, and mails it a confirmation code', async () => {
    const address = newAddress();
    const claimed = await claim(address);
    expect(claimed.status).toBe(201);
    expect(claimed.body).toMatchObject({
      address,
      status: 'pending',
      verified_by: null,
      verification: {
        dns: { type: 'TXT', name: `_relay-verification.${address.split('@')[1]}`, value: expect.stringMatching(/^relay-address-verification=/) },
      },
    });
    const mail = await confirmationMail(address);
    expect(mail.from).toBe('Relay <no-reply@relay.test>');
    expect(mail.subject).toMatch(/^Confirm .+ for Relay \(relay-confirm-[\w-]{32}\)$/);
    expect(mail.body.text).toContain(`${stack.config.publicUrl}/api/inbound-addresses/confirm?id=`);

    expect(await inbound({ to: address, subject: 'Where is my order?', text: 'Hello' })).toEqual({ outcome: 'archived', reason: 'no_route' });
    expect(await stack.db.selectFrom('tickets').select('id').where('org_id', '=', org.orgId).execute()).toEqual([]);
  });

  it('activates the address when its confirmation mail comes back through inbound mail; then it routes', async () => {
    const address = newAddress();
    await claim(address);
    const mail = await confirmationMail(address);
    // The address forwards to Relay: the confirmation arrives as inbound mail.
    expect(await inbound({ from: mail.from, to: address, subject: mail.subject, text: mail.body.text! })).toEqual({
      outcome: 'archived',
      reason: 'address_confirmation',
    });
    expect(await stateOf(address)).toMatchObject({ status: 'active', verified_by: 'mail' });
    expect(await inbound({ to: address, subject: 'Where is my order?', text: 'Hello' })).toEqual({ outcome: 'threaded' });
  });

  it('activates the address through the link in the mail; a wrong code changes nothing', async () => {
    const address = newAddress();
    await claim(address);
    const link = /http\S+confirm\?\S+/.exec((await confirmationMail(address)).body.text!)![0];
    const forged = await fetch(link.replace(/code=[^&]+/, 'code=relay-confirm-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
    expect(forged.status).toBe(404);
    expect((await stateOf(address))?.status).toBe('pending');
    const opened = await fetch(link);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain(`${address} is confirmed`);
    expect(await stateOf(address)).toMatchObject({ status: 'active', verified_by: 'link' });
    expect((await fetch(link)).status).toBe(404);
  });

  it('activates the address when the TXT record appears on its domain', async () => {
    const address = newAddress();
    const { body } = await claim(address);
    stack.dns.publishTxt(body.verification.dns.name, 'some-other-record');
    stack.dns.publishTxt(body.verification.dns.name, body.verification.dns.value);
    const checked = await call(stack.api.url, `/api/v1/inbound-addresses/${encodeURIComponent(address)}/verify`, { key: org.key, method: 'POST' });
    expect(checked.status).toBe(202);
    await eventually(async () => ((await stateOf(address))?.status === 'active' ? true : undefined), 'the DNS proof');
    expect(await stateOf(address)).toMatchObject({ verified_by: 'dns' });
  });

  it('lets no pending claim block the real owner; the proven claim wins and the others end', async () => {
    const address = newAddress();
    const squatter = await createOrgWithKey(stack.db, ['admin']);
    expect((await claim(address, squatter.key)).body.status).toBe('pending');
    expect((await claim(address)).body.status).toBe('pending');
    // Each claim got its own mail; whoever reads the mailbox opens the owner's link.
    const mails = await eventually(
      async () => ((await sesEmailsTo(stack.sesUrl, address)).length === 2 ? await sesEmailsTo(stack.sesUrl, address) : undefined),
      'two mails',
    );
    const ownerClaim = await stack.db
      .selectFrom('inbound_addresses')
      .select('id')
      .where('address', '=', address)
      .where('org_id', '=', org.orgId)
      .executeTakeFirstOrThrow();
    const ownersLink = mails.map((mail) => /http\S+confirm\?\S+/.exec(mail.body.text!)![0]).find((url) => url.includes(ownerClaim.id))!;
    expect((await fetch(ownersLink)).status).toBe(200);
    expect(await stateOf(address)).toMatchObject({ status: 'active' });
    expect(await stateOf(address, squatter.key)).toBeUndefined();
    expect((await claim(address, squatter.key)).status).toBe(409);
  });

  it('takes an address on a verified sending domain of the organization as proven', async () => {
    const address = `support@eu.${org.domain}`;
    expect((await claim(address)).body).toMatchObject({ status: 'active', verified_by: 'sending_domain', verification: null });
    expect(await sesEmailsTo(stack.sesUrl, address)).toEqual([]);
  });

  it('answers bad input with 400 and unknown addresses with 404', async () => {
    expect((await claim('not-an-address')).status).toBe(400);
    expect((await call(stack.api.url, '/api/v1/inbound-addresses', { key: org.key, body: { address: 'a@b.example', extra: 1 } })).status).toBe(400);
    expect((await call(stack.api.url, '/api/v1/inbound-addresses/nobody%40nowhere.example/verify', { key: org.key, method: 'POST' })).status).toBe(404);
    expect((await fetch(`${stack.api.url}/api/inbound-addresses/confirm?id=x`)).status).toBe(404);
  });
});
