import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let dir: string;

const INDEX =
  '<!doctype html><html><head><meta name="csp-nonce" content="__RELAY_CSP_NONCE__"></head><body><div id="root"></div><script type="module" src="/assets/app-3f9c2a.js"></script></body></html>';

beforeAll(async () => {
  // A stand-in build with vite's layout, so the test does not depend on building the real app.
  dir = await mkdtemp(join(tmpdir(), 'relay-web-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX);
  await writeFile(join(dir, 'assets', 'app-3f9c2a.js'), 'console.log("app")');
  await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  stack = await startStack({ worker: false, webAppDir: dir });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string, init: RequestInit = {}) => fetch(`${stack.api.url}${path}`, init);

describe('the dashboard served by the API', () => {
  it('serves index.html at / and at client routes, with a CSP that admits no inline script and no framing', async () => {
    for (const path of ['/', '/webhooks', '/emails/2b1e7c5e-0d7e-4a53-9a55-0b3f0d1c9a11', '/sign-in?return_to=%2Fwebhooks']) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toContain('<div id="root">');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self';");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('gives every page load its own style nonce, the one the CSP names', async () => {
    const nonces = [];
    for (const path of ['/', '/', '/index.html']) {
      const response = await get(path);
      const html = await response.text();
      const nonce = /name="csp-nonce" content="([^"]+)"/.exec(html)![1]!;
      expect(nonce).not.toBe('__RELAY_CSP_NONCE__');
      expect(response.headers.get('content-security-policy')).toContain(`style-src 'self' 'nonce-${nonce}'`);
      nonces.push(nonce);
    }
    expect(new Set(nonces).size).toBe(3);
  });

  it('caches hashed assets for a year as immutable, other files briefly', async () => {
    const asset = await get('/assets/app-3f9c2a.js');
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('console.log("app")');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const icon = await get('/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('public, max-age=3600');
  });

  it('never answers the API, operations endpoints or missing files with the app', async () => {
    const apiMiss = await get('/api/v1/nothing-here');
    expect(apiMiss.status).toBe(404);
    expect(((await apiMiss.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await get('/api')).status).toBe(404);
    expect((await get('/api/trpc/nothing.here')).status).toBe(404);
    expect((await get('/assets/gone-123.js')).status).toBe(404);
    expect((await get('/robots.txt')).status).toBe(404);
    const health = await get('/healthz');
    expect(await health.json()).toEqual({ status: 'ok' });
    // Without METRICS_TOKEN the API serves no /metrics: a JSON 404, never the app.
    const metrics = await get('/metrics');
    expect(metrics.status).toBe(404);
    expect(metrics.headers.get('content-type')).toMatch(/json/);
    const post = await get('/webhooks', { method: 'POST' });
    expect(post.status).toBe(404);
    expect(post.headers.get('content-type')).toMatch(/json/);
  });
});
