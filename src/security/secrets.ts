import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random, URL-safe secret of `bytes` bytes of entropy. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time equality of two byte strings of possibly different lengths. */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) {
    // Still spend the comparison so the length mismatch is not a timing oracle of its own.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/**
 * API keys look like `rk_<16 hex id>_<secret>`. The id part is public and indexes the
 * row; only a hash of the whole key is stored.
 */
const API_KEY_PATTERN = /^(rk_[0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(): { id: string; key: string; hash: Buffer } {
  const id = `rk_${randomBytes(8).toString('hex')}`;
  const key = `${id}_${randomSecret(32)}`;
  return { id, key, hash: sha256(key) };
}

export function parseApiKey(key: string): { id: string; hash: Buffer } | undefined {
  const match = API_KEY_PATTERN.exec(key);
  if (!match?.[1]) return undefined;
  return { id: match[1], hash: sha256(key) };
}

/** A random credential with a visible kind prefix (`pcli_`, `psec_`, `pcode_`, `ptok_`, ...). */
export function prefixedSecret(prefix: string, bytes = 32): string {
  return `${prefix}${randomSecret(bytes)}`;
}
