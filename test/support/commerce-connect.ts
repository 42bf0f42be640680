import type { FakeShopify, FakeStripeConnect } from '../fakes/fake-shopify.js';
import { call } from './http.js';

/** Starts an install from Relay as the organization does, and comes back as Shopify does once the merchant approves. */
export async function installOnShop(apiUrl: string, key: string, shopify: FakeShopify, shop: string): Promise<{ status: number; text: string; state: string }> {
  const started = await call(apiUrl, '/api/v1/commerce/shopify/connect', { key, body: { shop } });
  if (started.status !== 201) throw new Error(`connect answered ${started.status}: ${JSON.stringify(started.body)}`);
  const state = new URL(started.body.authorize_url).searchParams.get('state')!;
  const callback = await fetch(`${apiUrl}/api/commerce/shopify/callback?${shopify.approve(shop, state)}`);
  return { status: callback.status, text: await callback.text(), state };
}

/** The same with Stripe Connect: the account owner approves and Stripe sends them back with a code. */
export async function connectStripeAccount(apiUrl: string, key: string, stripe: FakeStripeConnect, account: string): Promise<{ status: number; text: string }> {
  const started = await call(apiUrl, '/api/v1/commerce/stripe/connect', { key, body: {} });
  if (started.status !== 201) throw new Error(`connect answered ${started.status}: ${JSON.stringify(started.body)}`);
  const state = new URL(started.body.authorize_url).searchParams.get('state')!;
  const callback = await fetch(`${apiUrl}/api/commerce/stripe/callback?${stripe.approve(account, state)}`);
  return { status: callback.status, text: await callback.text() };
}
