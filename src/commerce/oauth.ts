import { z } from 'zod';
import { randomSecret, sha256 } from '../security/secrets.js';
import { verifyHmacSha256Hex } from '../security/signatures.js';

/** A shop's own domain, as Shopify's OAuth and webhooks name it. */
export const shopDomain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, 'must be the shop’s myshopify.com domain, such as acme.myshopify.com');

/** An install in flight lasts this long: the merchant approves within it or starts again. */
export const OAUTH_STATE_TTL_MS = 15 * 60_000;

/** The `state` Relay sends to the provider (and the hash it keeps of it). */
export function newOauthState(): { state: string; hash: Buffer } {
  const state = randomSecret(24);
  return { state, hash: sha256(state) };
}

export function oauthStateHash(state: string): Buffer {
  return sha256(state);
}

/**
 * Shopify's signature on its OAuth redirects: hex HMAC-SHA256, with the app's secret, of
 * every other query parameter sorted by name and joined as `name=value&...`.
 */
export function shopifyQuerySigned(query: Record<string, string>, secret: string): boolean {
  const { hmac, ...rest } = query;
  if (!hmac || !/^[0-9a-f]{64}$/i.test(hmac)) return false;
  const message = Object.keys(rest)
    .sort()
    .map((name) => `${name}=${rest[name]}`)
    .join('&');
  return verifyHmacSha256Hex(secret, message, hmac);
}
