import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets Relay must use later (webhook, partner, channel and shop secrets) are stored
 * sealed with AES-256-GCM under RELAY_ENCRYPTION_KEY.
 *
 * Stored form (v2): version byte 2, the 8-byte id of the key that sealed it, 12-byte IV,
 * 16-byte tag, ciphertext. The associated data is the header (version and key id) and the
 * field the value is stored in (table, column, row id): copied to another row or column, or
 * relabelled with another key's id, it no longer opens.
 * Before key ids (v1): version byte 1, IV, tag, ciphertext, no associated data; still opened,
 * by trying each key, until `relay secrets reseal` rewrites it as v2.
 */
const V1 = 1;
const V2 = 2;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The version byte and key id: all it takes to tell which key sealed a value. */
export const SEALED_HEAD_BYTES = 1 + KEY_ID_BYTES;

/** Every column holding a sealed value, by table (each keyed by `id`); `relay secrets reseal` walks them all. */
export const SEALED_COLUMNS = {
  webhooks: ['secret_sealed', 'previous_secret_sealed'],
  partners: ['signing_secret_sealed'],
  channels: ['secret_sealed', 'verify_token_sealed', 'credentials_sealed'],
  commerce_accounts: ['secret_sealed', 'access_token_sealed'],
} as const;

export type SealedTable = keyof typeof SEALED_COLUMNS;

/** Where a sealed value is stored: a sealed column of one row. It opens only there. */
export type SealedField = { [T in SealedTable]: { table: T; column: (typeof SEALED_COLUMNS)[T][number]; rowId: string } }[SealedTable];

export interface SecretBox {
  seal(plaintext: string, field: SealedField): Buffer;
  open(sealed: Buffer, field: SealedField): string;
  /** The id of RELAY_ENCRYPTION_KEY (what seals), undefined without one. */
  readonly keyId: string | undefined;
  /** The ids of RELAY_ENCRYPTION_KEY_PREVIOUS's keys (they open, never seal). */
  readonly previousKeyIds: readonly string[];
}

/** This process cannot seal or open: RELAY_ENCRYPTION_KEY is not set, or the key a value names is not among its keys. */
export class EncryptionUnavailable extends Error {
  override name = 'EncryptionUnavailable';
}

/** A sealed value does not open in the field it was read from: copied from elsewhere, altered, or of an unknown format. */
export class UnopenableSecret extends Error {
  override name = 'UnopenableSecret';
}

/** The id a key's values carry (16 hex digits): derived from the key, so it needs no setting of its own and names no secret. */
export function keyIdOf(key: string): string {
  return keyIdBytes(decodeKey(key)).toString('hex');
}

/** The id of the key that sealed a value; undefined for a value sealed before key ids (v1). */
export function sealedKeyId(sealed: Buffer): string | undefined {
  return sealed[0] === V2 ? sealed.subarray(1, SEALED_HEAD_BYTES).toString('hex') : undefined;
}

function keyIdBytes(key: Buffer): Buffer {
  return createHash('sha256').update('relay sealed-secret key id\0').update(key).digest().subarray(0, KEY_ID_BYTES);
}

function decodeKey(key: string): Buffer {
  const raw = Buffer.from(key, 'base64');
  if (raw.length !== 32) throw new Error('RELAY_ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  return raw;
}

function fieldName(field: SealedField): string {
  return `${field.table}.${field.column}:${field.rowId}`;
}

function decrypt(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad?: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
}

/**
 * `key` (RELAY_ENCRYPTION_KEY) seals and opens; `previousKeys` (RELAY_ENCRYPTION_KEY_PREVIOUS)
 * only open, during a rotation. Without `key`, sealing and opening fail with EncryptionUnavailable.
 */
export function createSecretBox(key: string | undefined, previousKeys: readonly string[] = []): SecretBox {
  const current = key ? decodeKey(key) : undefined;
  const currentId = current && keyIdBytes(current);
  const previous = previousKeys.map(decodeKey);
  const byId = new Map([...(current ? [current] : []), ...previous].map((raw) => [keyIdBytes(raw).toString('hex'), raw]));
  const need = () => {
    if (!current || !currentId) throw new EncryptionUnavailable('RELAY_ENCRYPTION_KEY is not set');
    return { current, currentId };
  };

  const openV2 = (sealed: Buffer, field: SealedField) => {
    const id = sealedKeyId(sealed)!;
    const sealingKey = byId.get(id);
    if (!sealingKey) {
      throw new EncryptionUnavailable(
        `${fieldName(field)} is sealed with key ${id}, which is neither RELAY_ENCRYPTION_KEY nor in RELAY_ENCRYPTION_KEY_PREVIOUS`,
      );
    }
    const head = sealed.subarray(0, SEALED_HEAD_BYTES);
    const iv = sealed.subarray(SEALED_HEAD_BYTES, SEALED_HEAD_BYTES + IV_BYTES);
    const tag = sealed.subarray(SEALED_HEAD_BYTES + IV_BYTES, SEALED_HEAD_BYTES + IV_BYTES + TAG_BYTES);
    try {
      return decrypt(sealingKey, iv, tag, sealed.subarray(SEALED_HEAD_BYTES + IV_BYTES + TAG_BYTES), Buffer.concat([head, Buffer.from(fieldName(field))]));
    } catch {
      throw new UnopenableSecret(`the value in ${fieldName(field)} was not sealed for it (copied from another row or column, or altered)`);
    }
  };

  // v1 names no key and no field: each key is tried.
  const openV1 = (sealed: Buffer, field: SealedField) => {
    need();
    const [iv, tag, ciphertext] = [
      sealed.subarray(1, 1 + IV_BYTES),
      sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES),
      sealed.subarray(1 + IV_BYTES + TAG_BYTES),
    ];
    for (const candidate of byId.values()) {
      try {
        return decrypt(candidate, iv, tag, ciphertext);
      } catch {
        // the next key
      }
    }
    throw new UnopenableSecret(
      `the value in ${fieldName(field)} (sealed before key ids) opens with neither RELAY_ENCRYPTION_KEY nor RELAY_ENCRYPTION_KEY_PREVIOUS`,
    );
  };

  return {
    keyId: currentId?.toString('hex'),
    previousKeyIds: previous.map((raw) => keyIdBytes(raw).toString('hex')),
    seal(plaintext, field) {
      const { current: sealingKey, currentId: id } = need();
      const head = Buffer.concat([Buffer.from([V2]), id]);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealingKey, iv);
      cipher.setAAD(Buffer.concat([head, Buffer.from(fieldName(field))]));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([head, iv, cipher.getAuthTag(), ciphertext]);
    },
    open(sealed, field) {
      if (sealed[0] === V2) return openV2(sealed, field);
      if (sealed[0] === V1) return openV1(sealed, field);
      throw new UnopenableSecret(`the value in ${fieldName(field)} is of no known format`);
    },
  };
}

export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}
