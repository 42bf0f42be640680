import { createHash } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type { Db } from '../db/database.js';
import type { Partner } from '../db/tables/partners.js';
import type { HubClient } from '../integrations/hub.js';
import type { BodyBudget } from '../http/body-budget.js';
import type { Logger } from '../observability/logger.js';
import { constantTimeEqual, prefixedSecret, sha256 } from '../security/secrets.js';
import { hmacSha256 } from '../security/signatures.js';
import type { Sessions, SessionUser } from '../auth/sessions.js';
import { sendConsentExpiredPage, sendConsentPage, sendErrorPage } from './consent-page.js';
import type { UrlPolicy } from '../security/ssrf.js';
import {
  findAuthorizationCodeForUpdate,
  findTokenByRefreshHashForUpdate,
  insertAuthorizationCode,
  issuePartnerToken,
  refreshPartnerToken,
  revokeTokenAndConnection,
  type NewPartnerToken,
} from './oauth-repository.js';
import { redirectUriRefusal } from './registration.js';
import { findPartnerByClientId } from './repository.js';

/** An authorization code lives this long and is good for one exchange. */
const CODE_TTL_MS = 10 * 60_000;

interface AuthorizeRequest {
  client_id: string;
  redirect_uri: string;
  state: string;
  scope: string;
  code_challenge: string | undefined;
}

/** The consent form's CSRF token: bound to this session (its cookie) and to exactly these authorize parameters. */
function csrfToken(session: SessionUser, request: AuthorizeRequest): string {
  const canonical = JSON.stringify([request.client_id, request.redirect_uri, request.state, request.scope, request.code_challenge ?? '']);
  return hmacSha256(session.cookie, `consent:${canonical}`).toString('hex');
}

function withParams(uri: string, params: Record<string, string>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/** RFC 6749 error answers from the token endpoint; a 401 names the scheme to authenticate with (§5.2). */
function oauthError(res: Response, status: number, error: string, description: string): void {
  if (status === 401) res.set('www-authenticate', 'Basic realm="relay"');
  res.status(status).set('cache-control', 'no-store').json({ error, error_description: description });
}

/**
 * The client credentials of an `Authorization: Basic` header (RFC 6749 §2.3.1: each
 * form-encoded, then joined by a colon and base64-encoded); 'malformed' when the header
 * is not that, undefined when there is no Basic header.
 */
function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | 'malformed' | undefined {
  const basic = /^Basic\s+(\S*)$/i.exec(header ?? '');
  if (!basic) return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(basic[1]!)) return 'malformed';
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed';
  }
}

/** A fresh access token and refresh token; only their hashes are stored. */
function newTokens(partner: Partner, userId: string, scope: string): { accessToken: string; refreshToken: string; record: NewPartnerToken } {
  const accessToken = prefixedSecret('ptok_', 32);
  const refreshToken = prefixedSecret('prt_', 32);
  const ttl = partner.access_token_ttl_seconds;
  return {
    accessToken,
    refreshToken,
    record: {
      tokenHash: sha256(accessToken),
      refreshTokenHash: sha256(refreshToken),
      partnerId: partner.id,
      userId,
      scope,
      expiresAt: ttl ? new Date(Date.now() + ttl * 1000) : null,
    },
  };
}

/** The seed's token answer, plus the refresh token and, when the partner's tokens expire, `expires_in`. */
function tokenAnswer(res: Response, partner: Partner, issued: { accessToken: string; refreshToken: string; userId: string; scope: string }): void {
  res.set({ 'cache-control': 'no-store', pragma: 'no-cache' }).json({
    access_token: issued.accessToken,
    token_type: 'Bearer',
    scope: issued.scope,
    user_id: issued.userId,
    partner_id: partner.id,
    refresh_token: issued.refreshToken,
    ...(partner.access_token_ttl_seconds ? { expires_in: partner.access_token_ttl_seconds } : {}),
  });
}

export interface OauthDeps {
  db: Db;
  sessions: Sessions;
  hub: HubClient | undefined;
  publicUrl: string;
  logger: Logger;
  /** Whether plain-http redirect URIs are allowed (RELAY_ALLOW_INSECURE_WEBHOOKS). */
  urlPolicy: UrlPolicy;
}

/** The consent and token forms are a few hundred bytes; anything near this is not one. */
const FORM_LIMIT_BYTES = 16 * 1024;

/** RelayIt's OAuth authorization-code flow (PKCE optional): authorize, the user's consent, and the token exchange. */
export function oauthRoutes(deps: OauthDeps & { bodies: BodyBudget }): Router {
  const { db } = deps;
  const router = Router();
  // Both forms arrive before their sender is known (a session's CSRF token, a client's secret
  // are in them), so their bytes are charged to the body budget as they arrive, as providers' are.
  const readForm = deps.bodies.readArriving(FORM_LIMIT_BYTES, (options) => express.urlencoded({ extended: false, ...options }));

  /** Validates the authorize parameters; an unknown client or inexact redirect never redirects. */
  async function checkAuthorize(query: Record<string, unknown>): Promise<{ partner: Partner; request: AuthorizeRequest } | { error: string }> {
    const value = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    const request = {
      client_id: value('client_id') ?? '',
      redirect_uri: value('redirect_uri') ?? '',
      state: value('state') ?? '',
      scope: value('scope') ?? 'default',
      code_challenge: value('code_challenge'),
    };
    const partner = request.client_id ? await findPartnerByClientId(db, request.client_id) : undefined;
    if (!partner) return { error: 'Unknown client_id.' };
    if (!partner.redirect_uris.includes(request.redirect_uri)) return { error: 'This redirect_uri is not registered for the application.' };
    if (partner.suspended_at) return { error: 'This application is suspended.' };
    if (redirectUriRefusal(request.redirect_uri, deps.urlPolicy)) return { error: 'This redirect_uri is not https.' };
    if (value('response_type') !== 'code') return { error: 'response_type must be "code".' };
    if (request.scope !== 'default') return { error: 'scope must be "default".' };
    if (!request.state) return { error: 'state is required.' };
    if (request.code_challenge !== undefined) {
      if (value('code_challenge_method') !== 'S256') return { error: 'code_challenge_method must be S256.' };
      if (!/^[A-Za-z0-9_-]{43,128}$/.test(request.code_challenge)) return { error: 'code_challenge is malformed.' };
    }
    return { partner, request };
  }

  router.get('/api/oauth/authorize', async (req, res) => {
    const checked = await checkAuthorize(req.query);
    if ('error' in checked) return sendErrorPage(res, checked.error);
    const { partner, request } = checked;
    const session = await deps.sessions.current(req);
    if (!session) {
      // Sign in through Hub first; Hub sends the user to /api/portal/sso, which returns here.
      if (!deps.hub) return sendErrorPage(res, 'Sign-in is not available on this Relay.');
      return deps.sessions.startSignIn(res, req.originalUrl);
    }
    return sendConsentPage(res, partner, { ...request, code_challenge: request.code_challenge ?? '', csrf: csrfToken(session, request) });
  });

  router.post('/api/oauth/consent', ...readForm, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const checked = await checkAuthorize({
      ...body,
      response_type: 'code',
      code_challenge_method: body.code_challenge ? 'S256' : undefined,
      code_challenge: body.code_challenge || undefined,
    });
    if ('error' in checked) return sendErrorPage(res, checked.error);
    const { partner, request } = checked;
    const session = await deps.sessions.current(req);
    const csrf = typeof body.csrf === 'string' ? body.csrf : '';
    if (!session || !/^[0-9a-f]{64}$/.test(csrf) || !constantTimeEqual(Buffer.from(csrf, 'hex'), Buffer.from(csrfToken(session, request), 'hex'))) {
      return sendConsentExpiredPage(res);
    }
    if (body.decision !== 'approve') return res.redirect(302, withParams(request.redirect_uri, { error: 'access_denied', state: request.state }));
    const code = prefixedSecret('pcode_', 32);
    await insertAuthorizationCode(db, {
      codeHash: sha256(code),
      partnerId: partner.id,
      userId: session.userId,
      redirectUri: request.redirect_uri,
      scope: request.scope,
      codeChallenge: request.code_challenge ?? null,
      expiresAt: new Date(Date.now() + CODE_TTL_MS),
    });
    deps.logger.info({ orgId: session.orgId, userId: session.userId, partnerId: partner.id }, 'partner connection approved');
    return res.redirect(302, withParams(request.redirect_uri, { code, state: request.state }));
  });

  router.post('/api/oauth/token', ...readForm, async (req: Request, res: Response) => {
    // Credentials travel in a form body (or Basic auth), never JSON and never the query string.
    if (!req.is('application/x-www-form-urlencoded')) return oauthError(res, 400, 'invalid_request', 'use application/x-www-form-urlencoded');
    if (Object.keys(req.query).length > 0) return oauthError(res, 400, 'invalid_request', 'parameters must not be sent in the query string');
    const form = req.body as Record<string, string | undefined>;
    const basic = basicCredentials(req.get('authorization'));
    if (basic === 'malformed') return oauthError(res, 401, 'invalid_client', 'malformed Basic authorization header');
    const clientId = basic ? basic.clientId : form.client_id;
    const clientSecret = basic ? basic.clientSecret : form.client_secret;
    const partner = clientId ? await findPartnerByClientId(db, clientId) : undefined;
    if (!partner || !clientSecret || !constantTimeEqual(sha256(clientSecret), partner.client_secret_hash)) {
      return oauthError(res, 401, 'invalid_client', 'client authentication failed');
    }
    if (partner.suspended_at) return oauthError(res, 400, 'unauthorized_client', 'this application is suspended');
    if (form.grant_type === 'authorization_code') return exchangeCode(res, partner, form);
    if (form.grant_type === 'refresh_token') return exchangeRefreshToken(res, partner, form);
    return oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
  });

  async function exchangeCode(res: Response, partner: Partner, form: Record<string, string | undefined>): Promise<void> {
    if (!form.code || !form.redirect_uri) return oauthError(res, 400, 'invalid_request', 'code and redirect_uri are required');
    const outcome = await db.transaction().execute(async (trx) => {
      const code = await findAuthorizationCodeForUpdate(trx, sha256(form.code!));
      if (!code || code.partner_id !== partner.id) return { error: 'unknown code' } as const;
      if (code.used_at) {
        // A code presented twice may have leaked: the token it bought is revoked.
        if (code.token_id) await revokeTokenAndConnection(trx, code.token_id);
        return { error: 'code was already used; the token issued from it is revoked' } as const;
      }
      if (code.expires_at.getTime() < Date.now()) return { error: 'code expired' } as const;
      if (code.redirect_uri !== form.redirect_uri) return { error: 'redirect_uri does not match the authorization request' } as const;
      if (code.code_challenge) {
        const verifier = form.code_verifier ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || !constantTimeEqual(Buffer.from(challenge), Buffer.from(code.code_challenge))) {
          return { error: 'code_verifier does not match the code_challenge' } as const;
        }
      }
      const issued = newTokens(partner, code.user_id, code.scope);
      await issuePartnerToken(trx, { ...issued.record, codeHash: code.code_hash });
      return { ...issued, userId: code.user_id, scope: code.scope } as const;
    });
    if ('error' in outcome) return oauthError(res, 400, 'invalid_grant', outcome.error ?? 'invalid grant');
    tokenAnswer(res, partner, outcome);
  }

  /** RFC 6749 §6: a refresh token buys a new access token and is replaced by a new refresh token. */
  async function exchangeRefreshToken(res: Response, partner: Partner, form: Record<string, string | undefined>): Promise<void> {
    if (!form.refresh_token) return oauthError(res, 400, 'invalid_request', 'refresh_token is required');
    const outcome = await db.transaction().execute(async (trx) => {
      const spent = await findTokenByRefreshHashForUpdate(trx, sha256(form.refresh_token!));
      if (!spent || spent.partner_id !== partner.id) return { error: 'invalid_grant', description: 'unknown refresh token' } as const;
      if (spent.refreshed_at) {
        // A spent refresh token presented again may have leaked (RFC 6819 §5.2.2.3): the connection ends.
        if (spent.connection_token_id) await revokeTokenAndConnection(trx, spent.connection_token_id);
        return { error: 'invalid_grant', description: 'refresh token was already used; the connection it belongs to is ended' } as const;
      }
      if (!spent.connection_id || !spent.connection_active || spent.connection_token_id !== spent.id) {
        return { error: 'invalid_grant', description: 'the connection this refresh token belongs to has ended' } as const;
      }
      if (form.scope !== undefined && form.scope !== spent.scope)
        return { error: 'invalid_scope', description: `the scope granted is ${spent.scope}` } as const;
      const issued = newTokens(partner, spent.user_id, spent.scope);
      await refreshPartnerToken(trx, { tokenId: spent.id, connectionId: spent.connection_id }, issued.record);
      return { ...issued, userId: spent.user_id, scope: spent.scope } as const;
    });
    if (outcome.error !== undefined) return oauthError(res, 400, outcome.error, outcome.description);
    tokenAnswer(res, partner, outcome);
  }

  return router;
}
