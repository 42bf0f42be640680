import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/auth/repository.js';
import { connectChannel } from '../src/channels/repository.js';
import { createDb, type Db } from '../src/db/database.js';
import { createSecretBox, generateEncryptionKey, keyIdOf, sealedKeyId, UnopenableSecret, type SealedField } from '../src/security/encryption.js';
import { createWebhook } from '../src/webhooks/repository.js';
import { runCli } from './support/cli.js';
import { createDatabase } from './support/stack.js';

const oldKey = generateEncryptionKey();
const newKey = generateEncryptionKey();
const databases: Db[] = [];

/** A database of the test's own: the CLI's counts cover every row. */
async function freshDatabase(): Promise<{ db: Db; databaseUrl: string }> {
  const databaseUrl = await createDatabase();
  const db = createDb(databaseUrl);
  databases.push(db);
  return { db, databaseUrl };
}
afterAll(() => Promise.all(databases.map((db) => db.destroy())));

const webhookSecret = (rowId: string): SealedField => ({ table: 'webhooks', column: 'secret_sealed', rowId });

/** How values were sealed before key ids and row binding (format v1): version 1, IV, tag, ciphertext, no associated data. */
function sealV1(key: string, plaintext: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64'), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), ciphertext]);
}

describe('sealed secrets', () => {
  it('a sealed value opens only in the column and row it was sealed for', () => {
    const box = createSecretBox(oldKey);
    const [a, b] = [randomUUID(), randomUUID()];
    const sealed = box.seal('whsec-a', webhookSecret(a));
    expect(box.open(sealed, webhookSecret(a))).toBe('whsec-a');
    for (const elsewhere of [
      webhookSecret(b),
      { table: 'webhooks', column: 'previous_secret_sealed', rowId: a },
      { table: 'channels', column: 'secret_sealed', rowId: a },
    ] as const) {
      expect(() => box.open(sealed, elsewhere)).toThrow(UnopenableSecret);
    }
  });

  it('every sealed value names the key that sealed it and opens with that key alone', () => {
    const rowId = randomUUID();
    const third = generateEncryptionKey();
    expect(keyIdOf(oldKey)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(newKey)).not.toBe(keyIdOf(oldKey));
    const sealed = createSecretBox(oldKey).seal('whsec', webhookSecret(rowId));
    expect(sealedKeyId(sealed)).toBe(keyIdOf(oldKey));
    expect(createSecretBox(newKey, [third, oldKey]).open(sealed, webhookSecret(rowId))).toBe('whsec');
    expect(sealedKeyId(createSecretBox(newKey, [oldKey]).seal('whsec', webhookSecret(rowId)))).toBe(keyIdOf(newKey));

    // A key this process does not hold is named, not guessed at.
    expect(() => createSecretBox(newKey, [third]).open(sealed, webhookSecret(rowId))).toThrow(`sealed with key ${keyIdOf(oldKey)}`);
    // The key id is bound too: renamed to another key the process holds, the value opens with neither.
    const renamed = Buffer.from(sealed);
    Buffer.from(keyIdOf(newKey), 'hex').copy(renamed, 1);
    expect(() => createSecretBox(newKey, [oldKey]).open(renamed, webhookSecret(rowId))).toThrow(UnopenableSecret);
  });

  it('values sealed before key ids (v1) still open, with the current or a previous key', () => {
    const stored = sealV1(oldKey, 'whsec-v1');
    expect(sealedKeyId(stored)).toBeUndefined();
    expect(createSecretBox(oldKey).open(stored, webhookSecret(randomUUID()))).toBe('whsec-v1');
    expect(createSecretBox(newKey, [oldKey]).open(stored, webhookSecret(randomUUID()))).toBe('whsec-v1');
    expect(() => createSecretBox(newKey).open(stored, webhookSecret(randomUUID()))).toThrow(UnopenableSecret);
  });
});

describe('relay secrets', () => {
  it('reseal moves v1 and previous-key values to the current key, bound to their rows, and counts them by key', async () => {
    const { db, databaseUrl } = await freshDatabase();
    const org = await createOrganization(db, `reseal-${randomUUID()}`);
    const webhook = await createWebhook(db, {
      id: randomUUID(),
      orgId: org.id,
      url: 'https://hooks.example/a',
      events: ['ticket.created'],
      secretSealed: sealV1(oldKey, 'webhook-secret'),
      enabled: true,
    });
    const unsigned = await createWebhook(db, {
      id: randomUUID(),
      orgId: org.id,
      url: 'https://hooks.example/b',
      events: ['ticket.created'],
      secretSealed: null,
      enabled: true,
    });
    const channelId = randomUUID();
    const old = createSecretBox(oldKey);
    await connectChannel(db, org.id, {
      id: channelId,
      type: 'whatsapp',
      address: `1${Date.now()}`,
      secretSealed: old.seal('app-secret', { table: 'channels', column: 'secret_sealed', rowId: channelId }),
      verifyTokenSealed: sealV1(oldKey, 'verify-token'),
      verifyTokenHash: null,
      autoReply: null,
      credentialsSealed: null,
    });

    const env = { DATABASE_URL: databaseUrl, RELAY_ENCRYPTION_KEY: newKey, RELAY_ENCRYPTION_KEY_PREVIOUS: oldKey };
    const before = await runCli(['secrets', 'status', '--json'], env);
    expect(before.stderr).toBe('');
    expect(JSON.parse(before.stdout)).toEqual({
      key_id: keyIdOf(newKey),
      previous_key_ids: [keyIdOf(oldKey)],
      sealed_with: { [keyIdOf(oldKey)]: 1, v1: 2 },
      previous_keys_needed: true,
    });

    const result = await runCli(['secrets', 'reseal', '--json'], env);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      resealed: { webhooks: 1, partners: 0, channels: 2, commerce_accounts: 0 },
      key_id: keyIdOf(newKey),
      previous_key_ids: [keyIdOf(oldKey)],
      sealed_with: { [keyIdOf(newKey)]: 3 },
      previous_keys_needed: false,
    });

    // The current key alone opens everything now, each value only in its own row and column.
    const current = createSecretBox(newKey);
    const webhooks = await db.selectFrom('webhooks').select(['id', 'secret_sealed']).where('org_id', '=', org.id).execute();
    const sealedWebhook = webhooks.find((row) => row.id === webhook.id)!.secret_sealed!;
    expect(sealedKeyId(sealedWebhook)).toBe(keyIdOf(newKey));
    expect(current.open(sealedWebhook, webhookSecret(webhook.id))).toBe('webhook-secret');
    expect(() => current.open(sealedWebhook, webhookSecret(unsigned.id))).toThrow(UnopenableSecret);
    expect(webhooks.find((row) => row.id === unsigned.id)!.secret_sealed).toBeNull();
    const stored = await db.selectFrom('channels').select(['secret_sealed', 'verify_token_sealed']).where('id', '=', channelId).executeTakeFirstOrThrow();
    expect([
      current.open(stored.secret_sealed, { table: 'channels', column: 'secret_sealed', rowId: channelId }),
      current.open(stored.verify_token_sealed!, { table: 'channels', column: 'verify_token_sealed', rowId: channelId }),
    ]).toEqual(['app-secret', 'verify-token']);

    // Nothing is left to move; with a key that opens nothing, reseal refuses, names the value, and changes nothing.
    const again = await runCli(['secrets', 'reseal', '--json'], { DATABASE_URL: databaseUrl, RELAY_ENCRYPTION_KEY: newKey });
    expect(JSON.parse(again.stdout)).toMatchObject({ resealed: { webhooks: 0, channels: 0 }, sealed_with: { [keyIdOf(newKey)]: 3 } });
    const wrong = await runCli(['secrets', 'reseal'], { DATABASE_URL: databaseUrl, RELAY_ENCRYPTION_KEY: generateEncryptionKey() });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`sealed with key ${keyIdOf(newKey)}`);
    const unchanged = await db.selectFrom('channels').select('secret_sealed').where('id', '=', channelId).executeTakeFirstOrThrow();
    expect(current.open(unchanged.secret_sealed, { table: 'channels', column: 'secret_sealed', rowId: channelId })).toBe('app-secret');
  });

  it('rotate-key prints the environment to deploy; after reseal, status says the previous key can go', async () => {
    const { db, databaseUrl } = await freshDatabase();
    const org = await createOrganization(db, `rotate-${randomUUID()}`);
    const webhookId = randomUUID();
    await createWebhook(db, {
      id: webhookId,
      orgId: org.id,
      url: 'https://hooks.example/a',
      events: ['ticket.created'],
      secretSealed: createSecretBox(oldKey).seal('webhook-secret', webhookSecret(webhookId)),
      enabled: true,
    });

    const rotated = await runCli(['secrets', 'rotate-key', '--json'], { DATABASE_URL: databaseUrl, RELAY_ENCRYPTION_KEY: oldKey });
    expect(rotated.stderr).toBe('');
    const plan = JSON.parse(rotated.stdout);
    const fresh: string = plan.environment.RELAY_ENCRYPTION_KEY;
    expect(Buffer.from(fresh, 'base64')).toHaveLength(32);
    expect(plan).toEqual({
      key_id: keyIdOf(fresh),
      // First every process learns the new key without sealing with it (a rolling deploy never meets a value it cannot open) ...
      prepare: { RELAY_ENCRYPTION_KEY: oldKey, RELAY_ENCRYPTION_KEY_PREVIOUS: fresh },
      // ... then it seals with the new key and still opens with the old one.
      environment: { RELAY_ENCRYPTION_KEY: fresh, RELAY_ENCRYPTION_KEY_PREVIOUS: oldKey },
    });
    const text = await runCli(['secrets', 'rotate-key'], { DATABASE_URL: databaseUrl, RELAY_ENCRYPTION_KEY: oldKey });
    expect(text.stdout).toMatch(/RELAY_ENCRYPTION_KEY=\S+\nRELAY_ENCRYPTION_KEY_PREVIOUS=\S+/);
    expect(text.stdout).toContain('relay secrets reseal');
    expect(text.stdout).toContain('relay secrets status');

    // The prepared processes open values sealed with the new key.
    expect(createSecretBox(oldKey, [fresh]).open(createSecretBox(fresh).seal('x', webhookSecret(webhookId)), webhookSecret(webhookId))).toBe('x');

    const deployed = { DATABASE_URL: databaseUrl, ...plan.environment };
    expect(JSON.parse((await runCli(['secrets', 'status', '--json'], deployed)).stdout)).toMatchObject({
      sealed_with: { [keyIdOf(oldKey)]: 1 },
      previous_keys_needed: true,
    });
    expect(JSON.parse((await runCli(['secrets', 'reseal', '--json'], deployed)).stdout)).toMatchObject({ resealed: { webhooks: 1 } });
    const status = await runCli(['secrets', 'status'], deployed);
    expect(status.stdout).toContain('RELAY_ENCRYPTION_KEY_PREVIOUS can be removed');
    expect(JSON.parse((await runCli(['secrets', 'status', '--json'], deployed)).stdout)).toMatchObject({
      sealed_with: { [keyIdOf(fresh)]: 1 },
      previous_keys_needed: false,
    });
    const stored = await db.selectFrom('webhooks').select('secret_sealed').where('id', '=', webhookId).executeTakeFirstOrThrow();
    expect(createSecretBox(fresh).open(stored.secret_sealed!, webhookSecret(webhookId))).toBe('webhook-secret');

    // A second rotation keeps every key the processes hold (status says when one can go); without a key there is nothing to rotate.
    const second = JSON.parse((await runCli(['secrets', 'rotate-key', '--json'], { DATABASE_URL: databaseUrl, ...plan.environment })).stdout);
    expect(second.environment.RELAY_ENCRYPTION_KEY_PREVIOUS).toBe(`${fresh},${oldKey}`);
    const keyless = await runCli(['secrets', 'rotate-key'], { DATABASE_URL: databaseUrl, RELAY_ENCRYPTION_KEY: '' });
    expect(keyless.code).not.toBe(0);
    expect(keyless.stderr).toContain('RELAY_ENCRYPTION_KEY');
  });
});
