import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';

/** Where `npm run build` puts the dashboard (vite's outDir), the same from src/ under tsx and from dist/. */
export const WEB_APP_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url));

/** Replaced in index.html by a fresh nonce per response; Mantine puts it on the style tags it writes. */
const NONCE_PLACEHOLDER = '__RELAY_CSP_NONCE__';

/** The API's and the operators' paths: a miss there is a JSON 404, never the app. */
const NOT_THE_APP = /^\/(?:api|assets)(?:\/|$)|^\/(?:healthz|readyz|metrics)$/;

function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    // Scripts only from Relay's own files: no inline script, no eval.
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves the built dashboard: hashed assets cached for a year (a new build has new names),
 * index.html for every other GET outside the API, so client routes survive a reload.
 * Undefined when the app is not built.
 */
export function webAppRoutes(dir: string): Router | undefined {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return undefined;
  const index = readFileSync(indexFile, 'utf8');

  const sendIndex = (res: Response) => {
    const nonce = randomBytes(16).toString('base64');
    res
      .set({
        'content-type': 'text/html; charset=utf-8',
        // Every response carries its own nonce, so none may be reused from a cache.
        'cache-control': 'no-store',
        'content-security-policy': contentSecurityPolicy(nonce),
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'same-origin',
      })
      .send(index.replaceAll(NONCE_PLACEHOLDER, nonce));
  };

  const router = Router();
  router.get('/index.html', (_req, res) => sendIndex(res));
  router.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '1y', index: false, redirect: false }));
  router.use(express.static(dir, { index: false, redirect: false, maxAge: '1h' }));
  router.get(/.*/, (req, res, next) => {
    // A path whose last segment names a file (favicon.ico, robots.txt) is a missing file, not a page.
    if (NOT_THE_APP.test(req.path) || /\.[^/]*$/.test(req.path)) return next();
    sendIndex(res);
  });
  return router;
}
