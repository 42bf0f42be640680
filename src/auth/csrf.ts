import type { Request } from 'express';

/**
 * The header every state-changing call made with the session cookie must carry (any
 * non-empty value). A page on another origin can send a custom header only after a CORS
 * preflight, which Relay never grants, so a forged form post or fetch cannot carry it,
 * even from a same-site subdomain that SameSite=Lax lets through with the cookie.
 */
export const CSRF_HEADER = 'x-relay-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A call the session cookie would authenticate (no Authorization header: that makes it an
 * API-key call, which a browser never sends by itself) that may change state and lacks
 * the header.
 */
export function isUnprotectedCookieCall(req: Request, hasSessionCookie: boolean): boolean {
  return hasSessionCookie && !req.get('authorization') && !SAFE_METHODS.has(req.method) && !req.get(CSRF_HEADER);
}

export const CSRF_REFUSAL = `a call that changes something with the session cookie needs the ${CSRF_HEADER} header (docs/security.md)`;
