import { describe, expect, it } from 'vitest';
import { operatorConfig } from '../src/cli/runtime.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { runCli } from './support/cli.js';

const unset = { DATABASE_URL: '', TEMPORAL_ADDRESS: '', RELAY_ENCRYPTION_KEY: '', PUBLIC_URL: '' };
const KEY = Buffer.alloc(32, 7).toString('base64');

describe('production configuration', () => {
  it('relay api refuses to start without its settings and names every missing one at once', async () => {
    const result = await runCli(['api'], unset);
    expect(result.code).toBe(2);
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'RELAY_ENCRYPTION_KEY', 'PUBLIC_URL']) expect(result.stderr).toContain(`${name}: required`);
  });

  it('relay worker and relay migrate name what they need', async () => {
    const worker = await runCli(['worker'], { ...unset, DATABASE_URL: 'postgres://relay@127.0.0.1:1/relay' });
    expect(worker.code).toBe(2);
    expect(worker.stderr).toContain('TEMPORAL_ADDRESS: required');
    expect(worker.stderr).toContain('RELAY_ENCRYPTION_KEY: required');
    expect(worker.stderr).not.toContain('DATABASE_URL');
    const migrate = await runCli(['migrate'], unset);
    expect(migrate.code).toBe(2);
    expect(migrate.stderr).toContain('DATABASE_URL: required');
  });

  it('refuses a malformed encryption key (current or previous), and http or insecure webhooks in production', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).issues;
      }
    };
    expect(problems({ RELAY_ENCRYPTION_KEY: 'too-short' })).toEqual(['RELAY_ENCRYPTION_KEY: 32 bytes, base64-encoded']);
    expect(problems({ RELAY_ENCRYPTION_KEY: KEY, RELAY_ENCRYPTION_KEY_PREVIOUS: `${KEY},too-short` })).toEqual([
      'RELAY_ENCRYPTION_KEY_PREVIOUS: comma-separated keys of 32 bytes, base64-encoded',
    ]);
    const other = Buffer.alloc(32, 9).toString('base64');
    expect(loadConfig({ RELAY_ENCRYPTION_KEY: KEY, RELAY_ENCRYPTION_KEY_PREVIOUS: ` ${other} , ${KEY}` }).previousEncryptionKeys).toEqual([other, KEY]);
    expect(
      problems({ NODE_ENV: 'production', PUBLIC_URL: 'http://relay.example.com', RELAY_ALLOW_INSECURE_WEBHOOKS: 'true', RELAY_ENCRYPTION_KEY: KEY }),
    ).toEqual(['PUBLIC_URL: must be an https URL when NODE_ENV=production', 'RELAY_ALLOW_INSECURE_WEBHOOKS: must be off when NODE_ENV=production']);
    expect(problems({ NODE_ENV: 'production', PUBLIC_URL: 'https://relay.example.com', RELAY_ENCRYPTION_KEY: KEY })).toEqual([]);
  });
});

describe('the operator commands beside relay dev', () => {
  const running = { DATABASE_URL: 'postgres://relay@127.0.0.1:5433/relay', RELAY_ENCRYPTION_KEY: KEY };

  it("take what relay dev runs with for a setting the environment does not name, and the environment's own value over it", () => {
    expect(operatorConfig({}, running)).toMatchObject({ databaseUrl: running.DATABASE_URL, encryptionKey: KEY });
    const elsewhere = 'postgres://ops@127.0.0.1:6543/relay';
    expect(operatorConfig({ DATABASE_URL: elsewhere }, running)).toMatchObject({ databaseUrl: elsewhere, encryptionKey: KEY });
  });

  it('leave a setting named but empty unset rather than taking relay dev’s', () => {
    expect(operatorConfig({ RELAY_ENCRYPTION_KEY: '' }, running)).toMatchObject({ databaseUrl: running.DATABASE_URL, encryptionKey: undefined });
  });
});
