import { createHmac } from 'node:crypto';
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
