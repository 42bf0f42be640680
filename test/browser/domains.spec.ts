import type { Db } from '../../src/db/database.js';
import { apiKey, expect, narrowToPhone, test, uniqueDomain } from './support/fixtures.js';

const domainsOf = (db: Db, organization: { id: string }) =>
  db.selectFrom('domains').select(['name', 'dkim_tokens']).where('org_id', '=', organization.id).execute();

/** These tests start from an organization without domains: the fixture's verified one goes. */
const withoutDomains = (db: Db, organization: { id: string }) => db.deleteFrom('domains').where('org_id', '=', organization.id).execute();

test('an Admin adds a domain, copies its DNS records and sees it verified, then deletes it', async ({ page, signIn, organization, db }) => {
  await withoutDomains(db, organization);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn('Admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Domains' }).click();
  await expect(page.getByRole('heading', { name: 'Domains', level: 1 })).toBeVisible();
  await expect(page.getByText('No domains yet. Add the domain your emails come from.')).toBeVisible();

  // The form shows the server's own refusal, and nothing is stored.
  await page.getByRole('button', { name: 'Add domain' }).click();
  const form = page.getByRole('dialog', { name: 'Add a sending domain' });
  await form.getByRole('textbox', { name: 'Domain', exact: true }).fill('not a domain');
  await form.getByRole('button', { name: 'Add domain' }).click();
  await expect(form.getByRole('alert')).toContainText('must be a domain name such as example.com');
  expect(await domainsOf(db, organization)).toEqual([]);

  // From the keyboard: the domain field has the focus, Tab reaches MAIL FROM, Enter submits.
  const name = uniqueDomain();
  await form.getByRole('textbox', { name: 'Domain', exact: true }).fill('');
  await expect(form.getByRole('textbox', { name: 'Domain', exact: true })).toBeFocused();
  await page.keyboard.type(name.toUpperCase());
  await page.keyboard.press('Tab');
  await expect(form.getByLabel('MAIL FROM subdomain (optional)')).toBeFocused();
  await page.keyboard.type('bounce');
  await page.keyboard.press('Enter');
  await expect(form).toHaveCount(0);

  // The records to publish: three DKIM CNAMEs from SES's tokens, MAIL FROM's MX and SPF, DMARC.
  const [stored] = await domainsOf(db, organization);
  expect(stored?.name).toBe(name);
  expect(stored!.dkim_tokens).toHaveLength(3);
  const records = page.getByRole('table', { name: `DNS records for ${name}` });
  await expect(records.getByRole('row')).toHaveCount(1 + 6);
  for (const token of stored!.dkim_tokens) {
    await expect(records.getByRole('row', { name: new RegExp(`${token}\\._domainkey\\.${name.replace('.', '\\.')}`) })).toContainText(
      `${token}.dkim.amazonses.com`,
    );
  }
  await expect(records.getByRole('row', { name: /^MX/ })).toContainText(`bounce.${name}`);
  await expect(records.getByRole('row', { name: /^MX/ })).toContainText('priority 10');
  await expect(records.getByRole('row', { name: /SPF/ })).toContainText('v=spf1 include:amazonses.com ~all');
  await expect(records.getByRole('row', { name: /DMARC/ })).toContainText(`_dmarc.${name}`);

  // A copy button puts exactly the value in the clipboard.
  await records.getByRole('button', { name: 'Copy the value of DKIM record 1' }).click();
  expect(await page.evaluate('navigator.clipboard.readText()')).toBe(`${stored!.dkim_tokens[0]}.dkim.amazonses.com`);
  await expect(records.getByRole('button', { name: 'Copied the value of DKIM record 1' })).toBeVisible();

  // SES (relay dev's identity stand-in) sees the records: the page follows without a reload.
  const row = page.getByRole('table', { name: 'Domains' }).getByRole('row', { name: new RegExp(name) });
  await expect(row.getByText('verified', { exact: true })).toBeVisible();
  await expect(row.getByText(/^since /)).toBeVisible();
  await expect(row.getByRole('button', { name: 'Check now' })).toHaveCount(0);
  await expect(records.getByText('verified', { exact: true })).toHaveCount(5);
  // No DMARC record is published in the test stack: recommended, not required.
  await expect(records.getByRole('row', { name: /DMARC/ })).toContainText('not found');

  // Verified means the organization may send from it.
  const key = await apiKey(db, organization.id, ['send']);
  const send = () =>
    page.request.post('/api/v1/emails', {
      headers: { authorization: `Bearer ${key}` },
      data: { from: `hello@${name}`, to: 'grace@client.example', subject: 'Hello', text: 'Hello!' },
    });
  expect((await send()).status()).toBe(202);

  await row.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this domain?' });
  await expect(confirm).toContainText(name);
  await confirm.getByRole('button', { name: 'Delete domain' }).click();
  await expect(page.getByText('No domains yet. Add the domain your emails come from.')).toBeVisible();
  await expect(records).toHaveCount(0);
  expect(await domainsOf(db, organization)).toEqual([]);
  const refused = await send();
  expect(refused.status()).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('sender_not_verified');
});

test('a Viewer sees the domains and their records but no add, check or delete control, and is refused if they try', async ({
  page,
  signIn,
  organization,
  db,
}) => {
  await withoutDomains(db, organization);
  const name = uniqueDomain();
  const added = await page.request.post('/api/v1/domains', {
    headers: { authorization: `Bearer ${await apiKey(db, organization.id, ['admin'])}` },
    data: { name },
  });
  expect(added.status()).toBe(201);

  await signIn('Viewer');
  await narrowToPhone(page);
  await page.getByRole('button', { name: 'Open navigation' }).click();
  await page.getByRole('link', { name: 'Domains' }).click();
  await expect(page.getByRole('heading', { name: 'Domains', level: 1 })).toBeVisible();
  const row = page.getByRole('table', { name: 'Domains' }).getByRole('row', { name: new RegExp(name) });
  await expect(row.getByText('verified', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add domain' })).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Check now' })).toHaveCount(0);

  // At 390 px each record's value shows under its name, still with its copy button.
  await row.getByRole('button', { name: 'DNS records' }).click();
  const records = page.getByRole('table', { name: `DNS records for ${name}` });
  await expect(records.getByRole('row')).toHaveCount(1 + 4);
  await expect(records.getByRole('button', { name: 'Copy the value of DMARC record' })).toBeVisible();
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

  // The Viewer's own cookie and the CSRF header: the server still says no, and nothing changes.
  const forged = await page.request.post('/api/trpc/domains.create', { headers: { 'x-relay-csrf': '1' }, data: { json: { name: uniqueDomain() } } });
  expect(forged.status()).toBe(403);
  expect((await domainsOf(db, organization)).map((domain) => domain.name)).toEqual([name]);
});

test('a long list shows 25 domains and the rest on request; a link to one past them opens its records', async ({ page, signIn, organization, db }) => {
  await withoutDomains(db, organization);
  const key = await apiKey(db, organization.id, ['admin']);
  const added: { id: string; name: string }[] = [];
  for (let index = 0; index < 26; index += 1) {
    const response = await page.request.post('/api/v1/domains', { headers: { authorization: `Bearer ${key}` }, data: { name: uniqueDomain() } });
    expect(response.status()).toBe(201);
    added.push((await response.json()) as { id: string; name: string });
  }
  const [oldest, newest] = [added[0]!, added.at(-1)!];

  await signIn('Viewer');
  await page.goto(`/domains?records=${oldest.id}`);
  await expect(page.getByRole('table', { name: `DNS records for ${oldest.name}` })).toBeVisible();
  const domains = page.getByRole('table', { name: 'Domains' });
  await expect(domains.getByRole('row', { name: new RegExp(newest.name) })).toBeVisible();
  await expect(domains.getByRole('row', { name: new RegExp(oldest.name) })).toHaveCount(0);

  await page.getByRole('button', { name: 'Show more domains' }).click();
  await expect(domains.getByRole('row', { name: new RegExp(oldest.name) })).toBeVisible();
  await expect(page.getByText('All 26 domains shown.')).toBeVisible();
});
