import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from './secrets.js';

/**
 * The one module for HMAC signatures, the ones Relay makes and the providers' it checks.
 * Every comparison is constant-time.
 */

export function hmacSha256(secret: string | Buffer, payload: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** True when `signatureHex` is the hex HMAC-SHA256 of `payload` under `secret`. */
export function verifyHmacSha256Hex(secret: string | Buffer, payload: string | Buffer, signatureHex: string): boolean {
  if (!/^[0-9a-f]+$/i.test(signatureHex)) return false;
  return constantTimeEqual(hmacSha256(secret, payload), Buffer.from(signatureHex, 'hex'));
}

/** Whether a signed request's unix timestamp (seconds) lies within `toleranceSeconds` of now. */
export function isFreshTimestamp(timestamp: string, nowMs: number, toleranceSeconds = 300): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= toleranceSeconds;
}

/**
 * Standard Webhooks 1.0 (standardwebhooks.com): secrets look like `whsec_<base64 key>`,
 * and `webhook-signature` is `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
 * one per secret, space-separated while a rotation overlaps.
 */
export const STANDARD_WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A new `whsec_` secret: 32 random bytes, base64 (what the standardwebhooks libraries decode). */
export function generateStandardWebhookSecret(): string {
  return `${STANDARD_WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * The HMAC key a secret gives for Standard Webhooks: a `whsec_` secret's base64 bytes;
 * any other secret (the seed's free form) its UTF-8 bytes, so its Standard Webhooks
 * secret is `whsec_` + base64(secret) and a receiver can derive it from what it holds.
 */
export function standardWebhookKey(secret: string): Buffer {
  return secret.startsWith(STANDARD_WEBHOOK_SECRET_PREFIX)
    ? Buffer.from(secret.slice(STANDARD_WEBHOOK_SECRET_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

/** Whether a `whsec_` secret carries a base64 key of a usable length (24 to 64 bytes). */
export function isValidStandardWebhookSecret(secret: string): boolean {
  const encoded = secret.slice(STANDARD_WEBHOOK_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= 24 && key.length <= 64;
}

/** One `v1,<base64>` signature of a Standard Webhooks message. */
export function standardWebhookSignature(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${hmacSha256(key, `${id}.${timestamp}.${body}`).toString('base64')}`;
}
