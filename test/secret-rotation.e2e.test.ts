import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/auth/repository.js';
import { connectChannel } from '../src/channels/repository.js';
import { createDb, type Db } from '../src/db/database.js';
import { createSecretBox, generateEncryptionKey } from '../src/security/encryption.js';
import { createWebhook } from '../src/webhooks/repository.js';
import { runCli } from './support/cli.js';
import { createDatabase } from './support/stack.js';

const oldKey = generateEncryptionKey();
const newKey = generateEncryptionKey();
let db: Db;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await createDatabase();
  db = createDb(databaseUrl);
});
afterAll(() => db?.destroy());

describe('rotating RELAY_ENCRYPTION_KEY', () => {
  it('the previous key still opens what it sealed while new secrets are sealed with the current one', () => {
    const old = createSecretBox(oldKey);
    const rotating = createSecretBox(newKey, oldKey);
    const sealedBefore = old.seal('whsec-before');
    expect(rotating.open(sealedBefore)).toBe('whsec-before');
    const sealedAfter = rotating.seal('whsec-after');
    expect(createSecretBox(newKey).open(sealedAfter)).toBe('whsec-after');
    expect(() => createSecretBox(newKey).open(sealedBefore)).toThrow();
    expect(() => createSecretBox(generateEncryptionKey(), oldKey).open(createSecretBox(generateEncryptionKey()).seal('x'))).toThrow();
  });

  it('relay secrets reseal seals every stored secret with the new key, after which the old key is not needed', async () => {
    const old = createSecretBox(oldKey);
    const org = await createOrganization(db, `rotation-${randomUUID()}`);
    const webhook = await createWebhook(db, {
      orgId: org.id,
      url: 'https://hooks.example/a',
      events: ['ticket.created'],
      secretSealed: old.seal('webhook-secret'),
      enabled: true,
    });
    const unsigned = await createWebhook(db, { orgId: org.id, url: 'https://hooks.example/b', events: ['ticket.created'], secretSealed: null, enabled: true });
    const channel = await connectChannel(db, org.id, {
      type: 'whatsapp',
      address: `1${Date.now()}`,
      secretSealed: old.seal('app-secret'),
      verifyTokenSealed: old.seal('verify-token'),
      verifyTokenHash: null,
      autoReply: null,
      credentialsSealed: null,
    });

    const env = { DATABASE_URL: databaseUrl, RELAY_ENCRYPTION_KEY: newKey, RELAY_ENCRYPTION_KEY_PREVIOUS: oldKey };
    const result = await runCli(['secrets', 'reseal', '--json'], env);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ webhooks: 1, partners: 0, channels: 2, commerce_accounts: 0 });

    const current = createSecretBox(newKey);
    const webhooks = await db.selectFrom('webhooks').select(['id', 'secret_sealed']).where('org_id', '=', org.id).execute();
    expect(current.open(webhooks.find((row) => row.id === webhook.id)!.secret_sealed!)).toBe('webhook-secret');
    expect(webhooks.find((row) => row.id === unsigned.id)!.secret_sealed).toBeNull();
    const stored = await db.selectFrom('channels').select(['secret_sealed', 'verify_token_sealed']).where('id', '=', channel!.id).executeTakeFirstOrThrow();
    expect([current.open(stored.secret_sealed), current.open(stored.verify_token_sealed!)]).toEqual(['app-secret', 'verify-token']);

    // Without the previous key nothing is left that needs it; with a wrong one, reseal refuses and changes nothing.
    const again = await runCli(['secrets', 'reseal', '--json'], { DATABASE_URL: databaseUrl, RELAY_ENCRYPTION_KEY: newKey });
    expect(JSON.parse(again.stdout)).toMatchObject({ webhooks: 1, channels: 2 });
    const wrong = await runCli(['secrets', 'reseal'], { DATABASE_URL: databaseUrl, RELAY_ENCRYPTION_KEY: generateEncryptionKey() });
    expect(wrong.code).not.toBe(0);
    const unchanged = await db.selectFrom('channels').select('secret_sealed').where('id', '=', channel!.id).executeTakeFirstOrThrow();
    expect(current.open(unchanged.secret_sealed)).toBe('app-secret');
  });
});
