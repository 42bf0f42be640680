import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets Relay must use later (webhook signing secrets) are stored encrypted with
 * AES-256-GCM under RELAY_ENCRYPTION_KEY. Stored form: version byte, 12-byte IV,
 * 16-byte tag, ciphertext.
 */
const VERSION = 1;

export interface SecretBox {
  seal(plaintext: string): Buffer;
  open(sealed: Buffer): string;
}

export class EncryptionUnavailable extends Error {
  override name = 'EncryptionUnavailable';
}

/**
 * `key` is 32 bytes, base64; without one, sealing and opening fail with EncryptionUnavailable.
 * During a rotation `previousKey` (RELAY_ENCRYPTION_KEY_PREVIOUS) still opens what it sealed
 * (GCM's tag tells which key a value was sealed with); everything new is sealed with `key`.
 */
export function createSecretBox(key: string | undefined, previousKey?: string): SecretBox {
  const raw = key ? Buffer.from(key, 'base64') : undefined;
  const previous = previousKey ? Buffer.from(previousKey, 'base64') : undefined;
  if ((raw && raw.length !== 32) || (previous && previous.length !== 32)) throw new Error('RELAY_ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  const need = () => {
    if (!raw) throw new EncryptionUnavailable('RELAY_ENCRYPTION_KEY is not set');
    return raw;
  };
  const openWith = (secretKey: Buffer, sealed: Buffer) => {
    const decipher = createDecipheriv('aes-256-gcm', secretKey, sealed.subarray(1, 13));
    decipher.setAuthTag(sealed.subarray(13, 29));
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
  };
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', need(), iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
    },
    open(sealed) {
      if (sealed[0] !== VERSION) throw new Error('unknown secret format');
      try {
        return openWith(need(), sealed);
      } catch (error) {
        if (!previous || error instanceof EncryptionUnavailable) throw error;
        return openWith(previous, sealed);
      }
    },
  };
}

export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}
