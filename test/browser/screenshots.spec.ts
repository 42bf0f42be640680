// npm run screenshots: the pictures in docs/screenshots/, taken from the real stack the
// browser tests run. Not part of npm run test:browser (it asserts little and writes files).
import { resolve } from 'node:path';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { expect, test } from './support/fixtures.js';
import { helpdeskOf, hex, stored } from './support/helpdesk.js';

// Transitions finished: a dialog fading in would be caught half-way.
const shot = (name: string) => ({ path: resolve(import.meta.dirname, '../../docs/screenshots', `${name}.png`), animations: 'disabled' as const });

test('screenshots of the sign-in, the shell and the Webhooks page', async ({ page, signIn }) => {
  const receiver = await new WebhookReceiver().start();
  try {
    await page.goto('/webhooks');
    await expect(page.getByRole('link', { name: 'Sign in with Hub' })).toBeVisible();
    await page.screenshot(shot('sign-in'));
    await page.getByRole('link', { name: 'Sign in with Hub' }).click();
    await expect(page.getByRole('heading', { name: 'Hub: sign in to Relay' })).toBeVisible();
    await page.screenshot(shot('development-hub'));

    await signIn('Admin');
    await page.screenshot(shot('shell'));

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
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

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ ...shot('webhooks-390px'), fullPage: true });
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
