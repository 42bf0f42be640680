import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureTemporalCli, isSupportedCliVersion } from '../src/dev/temporal-server.js';

const scratchDirs: string[] = [];
afterEach(async () => {
  await Promise.all(scratchDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A stand-in `temporal` that answers `--version` like the real CLI. */
async function fakeCli(dir: string, version: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'temporal');
  await writeFile(path, `#!/bin/sh\necho "temporal version ${version} (Server 1.0.0, UI 2.0.0)"\n`);
  await chmod(path, 0o755);
  return path;
}

describe('the Temporal CLI lookup', () => {
  it('accepts 1.9 and later, not the 0.0.0-DEV builds of go install', () => {
    expect(isSupportedCliVersion('1.9.1')).toBe(true);
    expect(isSupportedCliVersion('1.10.0')).toBe(true);
    expect(isSupportedCliVersion('2.0.0')).toBe(true);
    expect(isSupportedCliVersion('1.5.1')).toBe(false);
    expect(isSupportedCliVersion('0.0.0-DEV')).toBe(false);
    expect(isSupportedCliVersion(undefined)).toBe(false);
  });

  it('skips an outdated binary on PATH for a current one in .tools/, and leaves the cache alone', async () => {
    const root = await mkdtemp(join(tmpdir(), 'relay-cli-lookup-'));
    scratchDirs.push(root);
    const outdated = await fakeCli(join(root, 'path-bin'), '0.0.0-DEV');
    const current = await fakeCli(join(root, 'project', '.tools'), '1.9.1');
    const logged: string[] = [];

    const found = await ensureTemporalCli(join(root, 'project'), { PATH: join(root, 'path-bin'), RELAY_TOOLS_CACHE: join(root, 'cache') }, (line) =>
      logged.push(line),
    );

    expect(found).toBe(current);
    expect(existsSync(join(root, 'cache'))).toBe(false);
    expect(logged).toEqual([`ignoring ${outdated}: Temporal CLI 0.0.0-DEV, Relay needs 1.9 or later`]);
  });
});
