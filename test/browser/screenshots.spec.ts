// npm run screenshots: the pictures in docs/screenshots/, taken from the real stack the
// browser tests run. Not part of npm run test:browser (it asserts little and writes files).
import { resolve } from 'node:path';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { expect, test } from './support/fixtures.js';

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
