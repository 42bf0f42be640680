import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function newestChange(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, await newestChange(join(path, entry)));
  }
  return newest;
}

/**
 * `relay dev` serves the same built app as `relay api` (same hashed files, same CSP), so it
 * builds the app when the build is missing or older than its sources: web/, and src/,
 * whose router types and role list the app compiles against.
 */
export async function ensureWebBuild(projectDir: string, outDir: string, say: (line: string) => void): Promise<void> {
  const builtAt = await newestChange(join(outDir, 'index.html'));
  const sources = await Promise.all(['web', 'src', 'package-lock.json'].map((path) => newestChange(join(projectDir, path))));
  if (builtAt > Math.max(...sources)) return;
  say(builtAt ? 'rebuilding the dashboard (its sources changed)...' : 'building the dashboard...');
  // vite is a development dependency: loaded here only, never by `relay api`.
  const { build } = await import('vite');
  await build({ configFile: join(projectDir, 'web', 'vite.config.ts'), logLevel: 'warn' });
}
