import { execFileSync } from 'node:child_process';
import { defineConfig, devices } from '@playwright/test';

/** Debian's chromium (apt), never a browser Playwright downloads: that download cannot work here. */
function chromiumPath(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: apt-get install -y chromium');
  }
}

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // The screenshots for docs/ are taken on request only (npm run screenshots).
  testIgnore: process.env.RELAY_SCREENSHOTS ? [] : ['screenshots.spec.ts'],
  outputDir: 'results',
  globalSetup: './support/global-setup.ts',
  // One browser at a time: the stack and chromium share two cores.
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    ...devices['Desktop Chrome'],
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        '--no-sandbox',
        // Traffic goes to loopback only: nothing in the background either.
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-domain-reliability',
        '--disable-sync',
        '--disable-default-apps',
        '--no-first-run',
        '--no-default-browser-check',
        '--metrics-recording-only',
        '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
