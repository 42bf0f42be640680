import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { apiKey, expect, narrowToPhone, test, webhookCount } from './support/fixtures.js';

const PAGES = ['Overview', 'Inbox', 'Emails', 'Suppressions', 'Domains', 'Webhooks', 'API keys', 'Channels & inbound addresses', 'Inbound archive', 'Partners'];

test('an Admin signs in through the development Hub and sees the dashboard shell', async ({ page, signIn, organization }) => {
  await signIn('Admin');
  await expect(page).toHaveURL(/\/$/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of PAGES) await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  // A new organization: no sends yet, nothing to act on.
  await expect(page.getByRole('region', { name: 'Today' }).getByText('Sends')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Needs action' })).toContainText('Nothing needs you right now.');

  await nav.getByRole('link', { name: 'Emails' }).click();
  await expect(page).toHaveURL(/\/emails$/);
  await expect(page.getByRole('heading', { name: 'Emails', level: 1 })).toBeVisible();

  await page.getByRole('button', { name: 'Account: Ada Lovelace, Admin' }).click();
  await expect(page.getByRole('menu').getByText(organization.name)).toBeVisible();
  await page.keyboard.press('Escape');

  // A client route survives a reload: the API answers it with the app.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Emails', level: 1 })).toBeVisible();
});

test('an Admin adds a webhook, sees its secret once, sends a test and reads the delivery', async ({ page, signIn, organization, db }) => {
  const receiver = await new WebhookReceiver().start();
  try {
    await signIn('Admin');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByText('No webhooks yet. Add one to receive events.')).toBeVisible();

    // The form shows the server's own refusal.
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const form = page.getByRole('dialog', { name: 'Add a webhook' });
    await form.getByLabel('Endpoint URL').fill('ftp://files.example/hook');
    await form.getByRole('checkbox', { name: 'ticket.created' }).check();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    await expect(form.getByRole('alert')).toContainText('url refused');
    expect(await webhookCount(db, organization.id)).toBe(0);

    const url = `${receiver.url}/relay-events`;
    await form.getByLabel('Endpoint URL').fill(url);
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const secretDialog = page.getByRole('dialog', { name: "The webhook's signing secret" });
    const secret = (await secretDialog.getByLabel('Secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await secretDialog.getByRole('button', { name: 'I have stored it' }).click();

    const row = page.getByRole('row', { name: new RegExp(url) });
    await expect(row.getByText('active')).toBeVisible();
    await row.getByRole('button', { name: 'Send test' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Test delivered' })).toContainText('HTTP 200');

    // The receiver got the signed test event, signed with the secret shown once.
    expect(receiver.received).toHaveLength(1);
    const delivered = receiver.received[0]!.request;
    expect(delivered.headers['x-relay-signature']).toBe(createHmac('sha256', secret).update(delivered.body).digest('hex'));

    const log = page.getByRole('region', { name: `Deliveries to ${url}` });
    const delivery = log.getByRole('row', { name: /webhook\.test/ });
    await expect(delivery.getByText('succeeded')).toBeVisible();
    await delivery.getByRole('button', { name: 'Attempts (1)' }).click();
    await expect(log.getByRole('table', { name: 'Attempts' }).getByRole('cell', { name: '200', exact: true })).toBeVisible();

    // Never again: not after a reload, not in anything the page shows.
    await page.reload();
    await expect(page.getByRole('row', { name: new RegExp(url) })).toBeVisible();
    expect(await page.content()).not.toContain(secret);

    // A test the endpoint refuses fails; replayed once it answers again, it is delivered.
    receiver.failNext = 1;
    await page
      .getByRole('row', { name: new RegExp(url) })
      .getByRole('button', { name: 'Send test' })
      .click();
    await expect(page.getByRole('status').filter({ hasText: 'Test not delivered' })).toContainText('HTTP 500');
    const failed = page.getByRole('region', { name: `Deliveries to ${url}` }).getByRole('row', { name: /webhook\.test.*failed/ });
    await failed.getByRole('button', { name: 'Replay' }).click();
    await expect(
      page
        .getByRole('region', { name: `Deliveries to ${url}` })
        .getByRole('row', { name: /webhook\.test/ })
        .getByText('failed'),
    ).toHaveCount(0);
    await expect(page.getByRole('region', { name: `Deliveries to ${url}` }).getByRole('row', { name: /webhook\.test.*succeeded/ })).toHaveCount(2);
    expect(receiver.received.map((entry) => entry.status)).toEqual([200, 500, 200]);
  } finally {
    await receiver.stop();
  }
});

test('a Viewer sees no create button, and a mutation forged from their session is refused with 403', async ({ page, signIn, organization, db }) => {
  await signIn('Viewer');
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [link, empty, button] of [
    ['Webhooks', 'No webhooks yet.', 'Add webhook'],
    ['API keys', 'No API keys yet.', 'Create key'],
    ['Suppressions', 'No suppressed addresses.', 'Suppress an address'],
    ['Channels & inbound addresses', 'No channels yet.', 'Connect a channel'],
  ] as const) {
    await nav.getByRole('link', { name: link, exact: true }).click();
    await expect(page.getByRole('heading', { name: link, level: 1 })).toBeVisible();
    await expect(page.getByText(empty)).toBeVisible();
    await expect(page.getByRole('button', { name: button })).toHaveCount(0);
  }
  await expect(page.getByRole('button', { name: 'Add address' })).toHaveCount(0);

  const forgedKey = await page.request.post('/api/trpc/apiKeys.create', { headers: { 'x-relay-csrf': '1' }, data: { json: { scopes: ['admin'] } } });
  expect(forgedKey.status()).toBe(403);
  expect(await db.selectFrom('api_keys').select('id').where('org_id', '=', organization.id).execute()).toEqual([]);

  // The Viewer's own cookie and even the CSRF header: the server still says no.
  const forged = await page.request.post('/api/trpc/webhooks.create', {
    headers: { 'x-relay-csrf': '1' },
    data: { json: { url: 'http://127.0.0.1:9/hook', events: ['ticket.created'] } },
  });
  expect(forged.status()).toBe(403);
  expect(((await forged.json()) as { error: { json: { data: { code: string } } } }).error.json.data.code).toBe('FORBIDDEN');
  expect(await webhookCount(db, organization.id)).toBe(0);
});

test('sends an email through the API and finds it in Emails with its timeline', async ({ page, signIn, organization, db }) => {
  const key = await apiKey(db, organization.id, ['send', 'read']);
  const sent = await page.request.post('/api/v1/emails', {
    headers: { authorization: `Bearer ${key}` },
    data: { from: `Acme <hello@${organization.domain}>`, to: 'client@example.org', subject: 'Welcome to Acme', text: 'Hello!', tags: { product: 'psa' } },
  });
  expect(sent.status()).toBe(202);
  const { id } = (await sent.json()) as { id: string };

  await signIn('Viewer');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Emails' }).click();
  const search = page.getByRole('search', { name: 'Search emails' });
  await search.getByLabel('Subject').fill('nothing like it');
  await search.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText('No email matches this search.')).toBeVisible();
  await search.getByLabel('Subject').fill('welcome');
  await search.getByLabel('Recipient').fill('client@');
  await search.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/subject=welcome/);
  await expect(page.getByText('This is the only email.')).toBeVisible();
  await page.getByRole('table', { name: 'Emails' }).getByRole('link', { name: 'Welcome to Acme' }).click();

  await expect(page.getByRole('heading', { name: 'Welcome to Acme', level: 1 })).toBeVisible();
  const timeline = page.getByRole('region', { name: 'Timeline' });
  await expect(timeline).toContainText('Accepted by the API');
  // The page follows the send while it is queued; the worker sends it through the SES emulator.
  await expect(timeline).toContainText('Sent through SES');
  await expect(page.getByRole('table', { name: 'Recipients' }).getByRole('row', { name: /client@example\.org/ })).toContainText('sent');
  await expect(page.getByRole('region', { name: 'Tags' })).toContainText('product:psa');
  await expect(page.getByRole('link', { name: `email-${id} in the Temporal UI` })).toHaveAttribute(
    'href',
    `http://127.0.0.1:8233/namespaces/default/workflows/email-${id}`,
  );
  // A Viewer cannot replay; a sent email has nothing to replay anyway.
  await expect(page.getByRole('button', { name: 'Replay send' })).toHaveCount(0);
});

test('an Admin creates an API key, sees it once, revokes it, and the REST API refuses it', async ({ page, signIn }) => {
  await signIn('Admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByText('No API keys yet. Create one for each program that calls Relay.')).toBeVisible();
  await page.getByRole('button', { name: 'Create key' }).click();
  const form = page.getByRole('dialog', { name: 'Create an API key' });
  await form.getByLabel('Name').fill('Billing service');
  await expect(form.getByRole('checkbox', { name: /^send/ })).toBeChecked();
  await form.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByRole('dialog', { name: 'Your new API key' });
  const key = (await shown.getByLabel('Secret').textContent())!.trim();
  expect(key).toMatch(/^rk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  await shown.getByRole('button', { name: 'I have stored it' }).click();

  const read = () => page.request.get('/api/v1/emails?limit=1', { headers: { authorization: `Bearer ${key}` } });
  expect((await read()).status()).toBe(200);
  const id = key.slice(0, 19);
  const row = page.getByRole('row', { name: /Billing service/ });
  await expect(row).toContainText(id);
  await expect(row).toContainText('by Ada Lovelace');
  await row.getByRole('button', { name: `Revoke ${id}` }).click();
  await page.getByRole('dialog', { name: 'Revoke this key?' }).getByRole('button', { name: 'Revoke key' }).click();
  await expect(row.getByText('revoked', { exact: true })).toBeVisible();
  expect((await read()).status()).toBe(401);
  // The list never shows the secret again.
  expect(await page.content()).not.toContain(key);
});

test('a cross-site form post riding the session cookie, without the CSRF header, is refused and changes nothing', async ({
  page,
  signIn,
  organization,
  db,
  baseURL,
}) => {
  await signIn('Admin');
  // Another origin on the same site (another port of 127.0.0.1), as a sibling subdomain would
  // be: SameSite=Lax lets the cookie through, so only the CSRF check stands in the way.
  // The classic text/plain trick: the browser sends `name=value`, which here reads as JSON.
  const name = '{"json":{"url":"http://127.0.0.1:9/stolen","events":["ticket.created"],"pad":"';
  const value = '"}}';
  const attacker: Server = createServer((_req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        `<!doctype html><title>Win a prize</title><form method="post" enctype="text/plain" action="${baseURL}/api/trpc/webhooks.create">` +
          `<input type="hidden" name='${name}' value='${value}'><button>Claim your prize</button></form>`,
      ),
  );
  await new Promise<void>((listening) => attacker.listen(0, '127.0.0.1', listening));
  try {
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    const answer = page.waitForResponse((response) => response.url().endsWith('/api/trpc/webhooks.create'));
    await page.getByRole('button', { name: 'Claim your prize' }).click();
    const response = await answer;
    expect(response.status()).toBe(403);
    // 403 from the CSRF guard, not 401: the cookie did ride along.
    expect(await response.text()).toContain('x-relay-csrf');
    expect(await webhookCount(db, organization.id)).toBe(0);
  } finally {
    attacker.close();
  }
});

test('signing out, or Hub ending the session, returns to sign-in', async ({ page, context, signIn, hubUrl, organization }) => {
  await signIn('Member');
  await page.getByRole('button', { name: 'Account: Ada Lovelace, Member' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Relay' })).toBeVisible();
  await page.goto('/webhooks');
  await expect(page.getByRole('heading', { name: 'Sign in to Relay' })).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in\?return_to=%2Fwebhooks/);

  // Signed in again; Hub ends the session (in another tab); the next call sends the app back.
  await signIn('Member');
  const hubTab = await context.newPage();
  await hubTab.goto(`${hubUrl}/sso/sessions`);
  const endSession = hubTab.getByRole('button', { name: `End Ada Lovelace's session in ${organization.name}` });
  // Each click ends one session and reloads the list.
  while ((await endSession.count()) > 0) {
    await endSession.first().click();
    await hubTab.waitForLoadState();
  }
  await hubTab.close();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Relay' })).toBeVisible();
  await expect(page.getByText('Your session ended')).toBeVisible();
  await page.getByRole('link', { name: 'Sign in with Hub' }).click();
  await expect(page.getByRole('heading', { name: 'Hub: sign in to Relay' })).toBeVisible();
});

test('a new user reaches the RelayIt consent screen through the development Hub', async ({ page, organization }) => {
  const partner = await page.request.post('/api/admin/partners', {
    headers: { authorization: `Bearer ${process.env.RELAY_ADMIN_KEY}` },
    data: { name: 'MyCRM', redirect_uris: ['https://mycrm.example/oauth/callback'], webhook_url: 'http://127.0.0.1:9/relayit' },
  });
  expect(partner.status()).toBe(201);
  const { client_id: clientId } = (await partner.json()) as { client_id: string };
  // The partner's callback is answered here: the test sends nothing off this machine.
  await page.route('https://mycrm.example/**', (route) => route.fulfill({ status: 200, body: 'MyCRM callback' }));

  await page.goto(
    `/api/oauth/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: 'https://mycrm.example/oauth/callback', state: 'st-42', scope: 'default', response_type: 'code' })}`,
  );
  await expect(page.getByRole('heading', { name: 'Hub: sign in to Relay' })).toBeVisible();
  await page.getByLabel('Organization').selectOption({ label: organization.name });
  await page.getByRole('radio', { name: 'Grace Hopper' }).check();
  await page.getByRole('radio', { name: 'Member', exact: true }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Connect MyCRM to RelayIt' })).toBeVisible();
  await page.getByRole('button', { name: 'Deny' }).click();
  await expect(page).toHaveURL(/^https:\/\/mycrm\.example\/oauth\/callback\?error=access_denied&state=st-42/);
});

test('works from the keyboard and at 390 px wide', async ({ page, signIn }) => {
  await signIn('Admin');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Webhooks', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Add webhook' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Add a webhook' })).toBeVisible();
  await expect(page.getByLabel('Endpoint URL')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Add a webhook' })).toHaveCount(0);

  await narrowToPhone(page);
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Open navigation' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Open navigation' })).toBeVisible();
  // Nothing wider than the screen but the tables' own scroll areas, on any page.
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  for (const link of ['Emails', 'Suppressions', 'Domains', 'API keys', 'Channels & inbound addresses', 'Inbound archive', 'Partners']) {
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
    await expect(page.getByRole('heading', { name: link, level: 1 })).toBeVisible();
    expect(await page.evaluate('document.documentElement.scrollWidth'), link).toBeLessThanOrEqual(390);
  }

  // The activity log's search runs from the keyboard: Enter in a field submits it.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/emails');
  await page.getByRole('search', { name: 'Search emails' }).getByLabel('Subject').fill('invoice');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/subject=invoice/);
  await expect(page.getByText('No email matches this search.')).toBeVisible();
});
