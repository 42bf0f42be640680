// npm run screenshots: the pictures in docs/screenshots/, taken from the real stack the
// browser tests run. Not part of npm run test:browser (it asserts little and writes files).
// What SES, partners and inbound providers would have sent by now is written straight to
// the database, so every page has something to show.
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { advanceEmailStatus, insertEmailEvents } from '../../src/emails/repository.js';
import { suppressAddress } from '../../src/emails/suppression-repository.js';
import { addRoutingAttempt, saveParsedInbound, storeInbound, updateInbound } from '../../src/inbound/repository.js';
import type { Db } from '../../src/db/database.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { seedPartnerConnection } from '../support/partner-connections.js';
import { apiKey, expect, test } from './support/fixtures.js';
import { helpdeskOf, hex, stored } from './support/helpdesk.js';

// Transitions finished: a dialog fading in would be caught half-way.
const shot = (name: string) => ({ path: resolve(import.meta.dirname, '../../docs/screenshots', `${name}.png`), animations: 'disabled' as const });

const go = async (page: Page, link: string) => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await expect(page.getByRole('heading', { name: link, level: 1 })).toBeVisible();
};

/** Sends a few emails through the API, then plays SES's events for them. */
async function seedEmails(page: Page, db: Db, orgId: string, domain: string): Promise<string> {
  const key = await apiKey(db, orgId, ['send', 'read']);
  const send = async (email: Record<string, unknown>) => {
    const response = await page.request.post('/api/v1/emails', {
      headers: { authorization: `Bearer ${key}` },
      data: { from: `Acme <hello@${domain}>`, text: 'Hello!', ...email },
    });
    return ((await response.json()) as { id: string }).id;
  };
  const welcome = await send({
    to: ['grace@client.example', 'alan@client.example'],
    subject: 'Welcome to Acme, Grace',
    tags: { product: 'psa', template: 'welcome' },
    metadata: { customer_id: 'C-1042' },
    headers: { 'X-Campaign': 'onboarding' },
  });
  const invoice = await send({ to: 'billing@bounce.example', subject: 'Your invoice INV-2291', tags: { product: 'books' } });
  for (const n of [1, 2, 3, 4]) await send({ to: `user${n}@client.example`, subject: `Weekly digest #${40 + n}`, tags: { product: 'crm' } });
  await expect
    .poll(async () => (await db.selectFrom('emails').select('status').where('org_id', '=', orgId).where('status', '=', 'queued').execute()).length)
    .toBe(0);

  const at = (seconds: number) => new Date(Date.now() + seconds * 1000);
  await insertEmailEvents(db, [
    { orgId, emailId: welcome, type: 'delivered', recipient: 'grace@client.example', occurredAt: at(2), detail: { smtp_response: '250 2.0.0 OK' } },
    { orgId, emailId: welcome, type: 'delivered', recipient: 'alan@client.example', occurredAt: at(3), detail: { smtp_response: '250 2.0.0 OK' } },
    { orgId, emailId: welcome, type: 'opened', recipient: 'grace@client.example', occurredAt: at(60), detail: { user_agent: 'Mozilla/5.0' } },
    { orgId, emailId: welcome, type: 'clicked', recipient: 'grace@client.example', occurredAt: at(75), detail: { url: 'https://acme.test/start' } },
    {
      orgId,
      emailId: invoice,
      type: 'bounced',
      recipient: 'billing@bounce.example',
      occurredAt: at(4),
      detail: { bounce_type: 'Permanent', bounce_sub_type: 'General', diagnostic_code: 'smtp; 550 5.1.1 user unknown' },
    },
  ]);
  await advanceEmailStatus(db, orgId, welcome, 'delivered', ['sent']);
  await advanceEmailStatus(db, orgId, invoice, 'bounced', ['sent']);
  await suppressAddress(db, {
    orgId,
    address: 'billing@bounce.example',
    reason: 'hard_bounce',
    sourceEmailId: invoice,
    detail: { diagnostic_code: 'smtp; 550 5.1.1 user unknown' },
  });
  await suppressAddress(db, { orgId, address: 'unsubscribed@client.example', reason: 'manual', detail: { note: 'Asked us to stop on the phone' } });
  return welcome;
}

async function seedInbound(db: Db, orgId: string): Promise<void> {
  const messages = [
    { subject: 'Re: Ticket #9 printer on fire', from: 'ops@client.example', reason: 'psa_note_failed' },
    { subject: 'Question about pricing', from: 'lead@prospect.example', reason: 'no_route' },
  ];
  for (const { subject, from, reason } of messages) {
    const stored = await storeInbound(db, { provider: 'postmark', providerMessageId: randomUUID(), contentType: 'application/json', raw: Buffer.from('{}') });
    if (!('id' in stored)) throw new Error('not stored');
    await saveParsedInbound(
      db,
      stored.id,
      {
        from: { address: from, name: null },
        to: ['ticket+9@relay.theonestack.com'],
        cc: [],
        subject,
        text: 'Hello,\n\nThe printer on the third floor is on fire again. Can someone look at it?\n\nThanks,\nOps',
        html: null,
        strippedText: null,
        headers: [],
        messageId: `<${randomUUID()}@client.example>`,
        inReplyTo: null,
        references: [],
        date: new Date().toUTCString(),
        attachments: [],
      },
      [],
    );
    await addRoutingAttempt(db, { inboundId: stored.id, target: 'psa', outcome: 'failed', detail: { status: 503 } });
    await addRoutingAttempt(db, { inboundId: stored.id, target: 'archive', outcome: 'archived', detail: { reason } });
    await updateInbound(db, stored.id, { orgId, status: 'archived', archiveReason: reason, classification: 'inbound' });
  }
}

test('screenshots of every page', async ({ page, signIn, organization, db }) => {
  test.setTimeout(180_000);
  const receiver = await new WebhookReceiver().start();
  try {
    await page.goto('/webhooks');
    await expect(page.getByRole('link', { name: 'Sign in with Hub' })).toBeVisible();
    await page.screenshot(shot('sign-in'));
    await page.getByRole('link', { name: 'Sign in with Hub' }).click();
    await expect(page.getByRole('heading', { name: 'Hub: sign in to Relay' })).toBeVisible();
    await page.screenshot(shot('development-hub'));

    const welcome = await seedEmails(page, db, organization.id, organization.domain);
    await seedInbound(db, organization.id);
    await signIn('Admin');
    const me = (await (await page.request.get('/api/trpc/session.me')).json()) as { result: { data: { json: { user: { id: string } } } } };
    await seedPartnerConnection(db, {
      orgId: organization.id,
      userId: me.result.data.json.user.id,
      delivery: { status: 'succeeded', partnerRecordId: 'crm-1' },
    });

    await page.reload();
    await expect(page.getByRole('region', { name: 'Needs action' })).toContainText('archived inbound');
    await expect(page.getByRole('region', { name: 'Sends per hour' }).locator('svg rect').last()).toBeVisible();
    await page.screenshot({ ...shot('overview'), fullPage: true });

    await go(page, 'Emails');
    await expect(page.getByRole('link', { name: 'Welcome to Acme, Grace' })).toBeVisible();
    await page.screenshot({ ...shot('emails'), fullPage: true });
    await page.getByRole('link', { name: 'Welcome to Acme, Grace' }).click();
    await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('clicked a link');
    await page.screenshot({ ...shot('email-detail'), fullPage: true });
    expect(page.url()).toContain(welcome);

    await go(page, 'Suppressions');
    await expect(page.getByRole('row', { name: /billing@bounce\.example/ })).toBeVisible();
    await page.screenshot({ ...shot('suppressions'), fullPage: true });

    await go(page, 'Domains');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const addDomain = page.getByRole('dialog', { name: 'Add a sending domain' });
    await addDomain.getByRole('textbox', { name: 'Domain', exact: true }).fill('news.acme.test');
    await addDomain.getByRole('textbox', { name: 'MAIL FROM subdomain (optional)' }).fill('bounce');
    await page.screenshot(shot('domains-add'));
    await addDomain.getByRole('button', { name: 'Add domain' }).click();
    await expect(page.getByRole('table', { name: 'DNS records for news.acme.test' }).getByText('verified', { exact: true })).toHaveCount(5);
    await expect(page.getByRole('table', { name: 'Domains' }).getByText('verified', { exact: true })).toHaveCount(2);
    await page.screenshot({ ...shot('domains'), fullPage: true });

    await go(page, 'Webhooks');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const form = page.getByRole('dialog', { name: 'Add a webhook' });
    await form.getByLabel('Endpoint URL').fill(`${receiver.url}/relay-events`);
    for (const event of ['ticket.created', 'ticket.status_changed', 'conversation.created']) await form.getByRole('checkbox', { name: event }).check();
    await page.screenshot(shot('webhooks-add'));
    await form.getByRole('button', { name: 'Add webhook' }).click();
    await expect(page.getByRole('dialog', { name: "The webhook's signing secret" })).toBeVisible();
    await page.screenshot(shot('webhooks-secret-once'));
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page
      .getByRole('row', { name: /relay-events/ })
      .getByRole('button', { name: 'Send test' })
      .click();
    await expect(page.getByText('Test delivered')).toBeVisible();
    await page.getByRole('button', { name: 'Attempts (1)' }).click();
    await expect(page.getByRole('table', { name: 'Attempts' })).toBeVisible();
    await page.screenshot({ ...shot('webhooks'), fullPage: true });

    await go(page, 'API keys');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('dialog', { name: 'Create an API key' }).getByLabel('Name').fill('Billing service');
    await page.getByRole('dialog', { name: 'Create an API key' }).getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByRole('dialog', { name: 'Your new API key' })).toBeVisible();
    await page.screenshot(shot('api-keys-secret-once'));
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await expect(page.getByRole('row', { name: /Billing service/ })).toBeVisible();
    await page.screenshot({ ...shot('api-keys'), fullPage: true });

    await go(page, 'Channels & inbound addresses');
    await page.getByRole('button', { name: 'Connect a channel' }).click();
    const connect = page.getByRole('dialog', { name: 'Connect a channel' });
    await connect.getByLabel('Phone number (E.164)').fill(`+1555${String(Date.now()).slice(-7)}`);
    await connect.getByLabel('Auth token').fill('twilio-auth-token');
    await connect.getByLabel('Auto-reply').fill('Thanks, we got your message and will answer shortly.');
    await page.screenshot(shot('channels-connect'));
    await connect.getByRole('button', { name: 'Connect channel' }).click();
    await expect(connect).toHaveCount(0);
    await page
      .getByRole('region', { name: 'Inbound addresses' })
      .getByRole('textbox', { name: 'Address' })
      .fill(`help-${randomBytes(3).toString('hex')}@${organization.domain}`);
    await page.getByRole('button', { name: 'Add address' }).click();
    await expect(page.getByRole('table', { name: 'Inbound addresses' }).getByRole('row')).toHaveCount(2);
    await page.screenshot({ ...shot('channels'), fullPage: true });

    await go(page, 'Inbound archive');
    await expect(page.getByRole('link', { name: 'Question about pricing' })).toBeVisible();
    await page.screenshot({ ...shot('inbound-archive'), fullPage: true });
    await page.getByRole('link', { name: 'Re: Ticket #9 printer on fire' }).click();
    await expect(page.getByRole('button', { name: 'Route again' })).toBeVisible();
    await page.screenshot({ ...shot('inbound-message'), fullPage: true });

    await go(page, 'Partners');
    await expect(page.getByRole('row', { name: /MyCRM/ })).toBeVisible();
    await page.screenshot({ ...shot('partners'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/');
    await expect(page.getByRole('region', { name: 'Sends per hour' }).locator('svg rect').last()).toBeVisible();
    await page.screenshot({ ...shot('overview-390px'), fullPage: true });
    await page.goto(`/emails/${welcome}`);
    await expect(page.getByRole('region', { name: 'Timeline' })).toContainText('clicked a link');
    await page.screenshot({ ...shot('email-detail-390px'), fullPage: true });
    await page.goto('/webhooks');
    await expect(page.getByRole('row', { name: /relay-events/ })).toBeVisible();
    await page.screenshot({ ...shot('webhooks-390px'), fullPage: true });
    await page.goto('/domains');
    await page
      .getByRole('row', { name: /news\.acme\.test/ })
      .getByRole('button', { name: 'DNS records' })
      .click();
    await expect(page.getByRole('table', { name: 'DNS records for news.acme.test' }).getByText('verified', { exact: true })).toHaveCount(5);
    await page.screenshot({ ...shot('domains-390px'), fullPage: true });
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.screenshot(shot('navigation-390px'));
  } finally {
    await receiver.stop();
  }
});

test('screenshots of the helpdesk: the inbox and a ticket across channels', async ({ page, signIn, organization, db }) => {
  const { support, customers } = await helpdeskOf(db, organization);
  const customer = `cleo-${hex(3)}@client.example`;
  await customers.email({ from: customer, fromName: 'Cleo Client', to: support, subject: 'My invoice is wrong', text: 'I was charged twice for March.' });
  const phone = `+1555${String(Date.now()).slice(-7)}`;
  await customers.sms(phone, 'Also: is my repair done?');
  await customers.email({
    from: `dan-${hex(3)}@client.example`,
    fromName: 'Dan Doe',
    to: support,
    subject: 'Password reset link expired',
    text: 'The link says it expired.',
  });
  await stored(db, organization.id, 'The link says it expired.');
  await stored(db, organization.id, 'Also: is my repair done?');

  await signIn('Member');
  await page.goto('/inbox');
  await expect(page.getByRole('link', { name: 'My invoice is wrong' })).toBeVisible();
  await page.screenshot(shot('helpdesk-inbox'));

  // Cleo also texted: that SMS ticket merged into her email one gives a conversation across channels.
  const invoice = await db
    .selectFrom('tickets')
    .select('number')
    .where('org_id', '=', organization.id)
    .where('subject', '=', 'My invoice is wrong')
    .executeTakeFirstOrThrow();
  await page.getByRole('link', { name: `SMS from ${phone}` }).click();
  await page.getByRole('button', { name: 'Merge…' }).click();
  await page.getByRole('textbox', { name: 'Merge into ticket number' }).fill(String(invoice.number));
  await page.getByRole('dialog').getByRole('button', { name: 'Merge' }).click();
  await expect(page.getByRole('heading', { name: /My invoice is wrong/, level: 1 })).toBeVisible();
  await page.getByRole('combobox', { name: 'Send on' }).click();
  await page.getByRole('option', { name: /^email to/ }).click();
  await page.getByRole('textbox', { name: 'Your reply' }).fill('Sorry about that: the second charge is refunded.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await expect(page.getByRole('article', { name: /reply/ }).getByText('sent', { exact: true })).toBeVisible({ timeout: 15_000 });
  await page.getByRole('radio', { name: 'Reply to customer' }).focus();
  await page.keyboard.press('ArrowRight');
  await page.getByRole('textbox', { name: 'Note for the team' }).fill('Refund issued in Stripe.');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByRole('article', { name: /private note/ })).toBeVisible();
  // Back to replying, the channel picker shown; from the top, where the page starts.
  await page.getByRole('radio', { name: 'Private note' }).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('combobox', { name: 'Send on' })).toBeVisible();
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ ...shot('helpdesk-ticket'), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ ...shot('helpdesk-ticket-390px'), fullPage: true });
});
