import { randomUUID } from 'node:crypto';
import { test as base, expect, type Page } from '@playwright/test';
import { createApiKey, createOrganization } from '../../../src/auth/repository.js';
import type { ApiKeyScope } from '../../../src/db/tables/api-keys.js';
import type { HubRole } from '../../../src/auth/roles.js';
import { createDb, type Db } from '../../../src/db/database.js';
import { insertVerifiedDomain } from '../../../src/domains/repository.js';

export { expect };

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with npm run test:browser`);
  return value;
}

export interface Organization {
  id: string;
  name: string;
  /** Its sending domain, already verified: mail From it is accepted. */
  domain: string;
}

interface Fixtures {
  /** A fresh organization, known to Relay and to the development Hub under the same id. */
  organization: Organization;
  /** Signs in through the development Hub as Ada Lovelace with `role` in the test's organization. */
  signIn: (role: HubRole, page?: Page) => Promise<void>;
  hubUrl: string;
  /** Fails the test if the page broke the Content-Security-Policy or threw: the app must work under it as served. */
  pageIsClean: void;
}

export const test = base.extend<Fixtures, { db: Db }>({
  baseURL: async ({}, use) => use(env('RELAY_URL')),
  hubUrl: async ({}, use) => use(env('DEV_HUB_URL')),
  pageIsClean: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await use();
      expect(problems).toEqual([]);
    },
    { auto: true },
  ],
  db: [
    async ({}, use) => {
      const db = createDb(env('DATABASE_URL'));
      await use(db);
      await db.destroy();
    },
    { scope: 'worker' },
  ],
  organization: async ({ db }, use) => {
    const id = randomUUID();
    const organization = { id, name: `Acme ${id.slice(0, 8)}`, domain: `acme-${id.slice(0, 8)}.test` };
    // What an operator does for a Hub organization: create it in Relay with Hub's id.
    await createOrganization(db, organization.name, organization.id);
    await insertVerifiedDomain(db, organization.id, organization.domain);
    const registered = await fetch(`${env('DEV_HUB_URL')}/dev/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env('DEV_HUB_SECRET')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: organization.id, name: organization.name }),
    });
    expect(registered.status).toBe(201);
    await use(organization);
  },
  signIn: async ({ page: defaultPage, organization }, use) => {
    await use(async (role, page = defaultPage) => {
      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'Sign in to Relay' })).toBeVisible();
      await page.getByRole('link', { name: 'Sign in with Hub' }).click();
      await expect(page.getByRole('heading', { name: 'Hub: sign in to Relay' })).toBeVisible();
      await page.getByLabel('Organization').selectOption({ label: organization.name });
      await page.getByRole('radio', { name: 'Ada Lovelace' }).check();
      await page.getByRole('radio', { name: role, exact: true }).check();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('button', { name: `Account: Ada Lovelace, ${role}` })).toBeVisible();
    });
  },
});

/** An API key of the organization, made the way `relay keys create` makes one. */
export async function apiKey(db: Db, orgId: string, scopes: ApiKeyScope[]): Promise<string> {
  return (await createApiKey(db, { orgId, scopes, createdBy: 'relay keys (CLI)' })).key;
}

/** Counts the organization's webhooks in the database: what a refused call must leave unchanged. */
export async function webhookCount(db: Db, orgId: string): Promise<number> {
  return (await db.selectFrom('webhooks').select('id').where('org_id', '=', orgId).execute()).length;
}

/** A domain name nobody holds yet: names are unique across organizations, and the stack lives for the whole run. */
export function uniqueDomain(): string {
  return `acme-${randomUUID().slice(0, 8)}.test`;
}

/**
 * Narrows the window to a phone's 390 px and waits for the shell to settle: the main area's
 * left padding slides from the sidebar's width to 16 px over 200 ms, and a page measured
 * mid-slide overflows for that instant only.
 */
export async function narrowToPhone(page: Page): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.locator('#main')).toHaveCSS('padding-left', '16px');
}
