import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database.js';
import { HubRejected, type HubClient } from '../integrations/hub.js';
import type { Logger } from '../observability/logger.js';
import { constantTimeEqual, randomSecret, sha256 } from '../security/secrets.js';
import { ApiError } from '../http/errors.js';
import { parseOr400 } from '../http/validate.js';
import { CSRF_REFUSAL, isUnprotectedCookieCall } from './csrf.js';
import type { HubRole } from './roles.js';
import { findLiveSession, findOrganization, insertSession, revokeSession, upsertHubUser } from './repository.js';

export const SESSION_COOKIE = 'relay_session';
/** Binds a sign-in to the browser that started it: Hub hands its value back as `state`. */
const SSO_STATE_COOKIE = 'relay_sso_state';
const SSO_STATE_TTL_MS = 10 * 60_000;
const SSO_STATE_PATH = '/api/portal';

export interface SessionUser {
  userId: string;
  orgId: string;
  role: HubRole;
  /** SHA-256 of the cookie: keys the consent form's CSRF token to this session. */
  sessionHash: Buffer;
  cookie: string;
}

export interface SessionDeps {
  db: Db;
  hub: HubClient | undefined;
  logger: Logger;
  publicUrl: string;
  sessionTtlHours: number;
  hubSessionCacheMs: number;
}

/** A cookie's value; a malformed one (bad %-encoding) is no cookie, never an error. */
function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Only same-site paths: a return_to is never a way off Relay (open redirects). */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/';
}

/**
 * In front of every route the session cookie authenticates for state changes (tRPC, logout):
 * 403 for a forged call, before anything is read or changed.
 */
export const requireCsrfHeader: RequestHandler = (req, _res, next) => {
  if (isUnprotectedCookieCall(req, readCookie(req, SESSION_COOKIE) !== undefined)) throw new ApiError('forbidden', CSRF_REFUSAL);
  next();
};

/**
 * Relay's sessions, from Hub SSO. A session is re-checked with Hub at most every
 * `hubSessionCacheMs` per process, so a user removed in Hub loses access within that window.
 */
export function createSessions(deps: SessionDeps) {
  const validated = new Map<string, number>();

  async function current(req: Request): Promise<SessionUser | undefined> {
    const cookie = readCookie(req, SESSION_COOKIE);
    if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) return undefined;
    const hash = sha256(cookie);
    const session = await findLiveSession(deps.db, hash);
    if (!session || !deps.hub) return undefined;
    const checkedAt = validated.get(session.hub_session_id);
    if (checkedAt === undefined || Date.now() - checkedAt >= deps.hubSessionCacheMs) {
      if (!(await deps.hub.sessionActive(session.hub_session_id))) {
        await revokeSession(deps.db, hash);
        validated.delete(session.hub_session_id);
        return undefined;
      }
      validated.set(session.hub_session_id, Date.now());
    }
    return { userId: session.user_id, orgId: session.org_id, role: session.role, sessionHash: hash, cookie };
  }

  const secure = deps.publicUrl.startsWith('https://');

  /**
   * Sends the browser to Hub's sign-in page with a fresh `state`, kept in a cookie only this
   * browser has: the JTI Hub sends back is exchanged only with that state (login CSRF).
   */
  function startSignIn(res: Response, returnPath: string): void {
    if (!deps.hub) throw new ApiError('service_unavailable', 'Hub SSO is not configured');
    const state = randomSecret(32);
    res.cookie(SSO_STATE_COOKIE, state, { httpOnly: true, secure, sameSite: 'lax', path: SSO_STATE_PATH, maxAge: SSO_STATE_TTL_MS });
    res.redirect(302, deps.hub.loginUrl(`${deps.publicUrl}${safeReturnPath(returnPath)}`, state));
  }

  const router = Router();
  // Relay's portal SSO endpoint: Hub sends the user here with a one-time JTI and the state.
  router.get('/api/portal/sso', async (req, res) => {
    const query = parseOr400(
      z.object({ jti: z.string().min(8).max(512), return_to: z.string().max(2048).optional(), state: z.string().min(1).max(128).optional() }),
      req.query,
      'SSO request',
    );
    if (!deps.hub) throw new ApiError('service_unavailable', 'Hub SSO is not configured');
    const expected = readCookie(req, SSO_STATE_COOKIE);
    if (query.state === undefined) {
      // Hub came back without the state it was given: refusing beats sending the browser round again.
      if (expected) throw new ApiError('validation_failed', 'Hub returned without the sign-in state');
      // A link this browser did not start (Hub's product menu, or anyone's link): its JTI is
      // not exchanged; the browser signs in as whoever it is at Hub, through a bound sign-in.
      return res.redirect(302, `/api/portal/login?return_to=${encodeURIComponent(safeReturnPath(query.return_to))}`);
    }
    if (!expected || !constantTimeEqual(sha256(query.state), sha256(expected))) {
      throw new ApiError('forbidden', 'this sign-in was not started in this browser; start it again from Relay');
    }
    res.clearCookie(SSO_STATE_COOKIE, { path: SSO_STATE_PATH });
    let identity;
    try {
      identity = await deps.hub.exchange(query.jti);
    } catch (error) {
      if (error instanceof HubRejected) throw new ApiError('unauthorized', error.message);
      throw error;
    }
    if (!(await findOrganization(deps.db, identity.orgId))) throw new ApiError('forbidden', 'this organization does not use Relay');
    const user = await upsertHubUser(deps.db, identity);
    const cookie = randomSecret(32);
    await insertSession(deps.db, {
      tokenHash: sha256(cookie),
      userId: user.id,
      orgId: identity.orgId,
      hubSessionId: identity.hubSessionId,
      role: identity.role,
      expiresAt: new Date(Date.now() + deps.sessionTtlHours * 3600_000),
    });
    validated.set(identity.hubSessionId, Date.now());
    res.cookie(SESSION_COOKIE, cookie, { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: deps.sessionTtlHours * 3600_000 });
    deps.logger.info({ orgId: identity.orgId, userId: user.id, role: identity.role }, 'signed in through Hub');
    res.redirect(302, safeReturnPath(query.return_to));
  });

  // The dashboard's sign-in button: off to Hub, which comes back through /api/portal/sso.
  router.get('/api/portal/login', (req, res) => startSignIn(res, safeReturnPath(req.query.return_to)));

  // The CSRF header keeps a cross-site form from signing the user out.
  router.post('/api/portal/logout', requireCsrfHeader, async (req, res: Response) => {
    const cookie = readCookie(req, SESSION_COOKIE);
    if (cookie) await revokeSession(deps.db, sha256(cookie));
    res.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).end();
  });

  return { current, startSignIn, router };
}

export type Sessions = ReturnType<typeof createSessions>;
