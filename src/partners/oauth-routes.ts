import { createHash, randomUUID } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Partner } from '../db/tables/partners.js';
import type { HubClient } from '../integrations/hub.js';
import type { Logger } from '../observability/logger.js';
import { constantTimeEqual, prefixedSecret, sha256 } from '../security/secrets.js';
import { hmacSha256 } from '../security/signatures.js';
import { ApiError } from '../http/errors.js';
import { hitRateLimit } from './rate-limit.js';
import type { Sessions, SessionUser } from '../auth/sessions.js';

/** An authorization code lives this long and is good for one exchange. */
const CODE_TTL_MS = 10 * 60_000;
/** The only routes a partner token may call (the seed's allowlist). */
const TOKEN_ROUTES = new Set(['/api/oauth/me', '/api/oauth/disconnect']);

interface AuthorizeRequest {
  client_id: string;
  redirect_uri: string;
  state: string;
  scope: string;
  code_challenge: string | undefined;
}

const escape = (value: string) => value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** Pages Relay renders itself are never framed (clickjacking on the consent button). */
function sendPage(res: Response, status: number, title: string, body: string): void {
  res.status(status).set({
    'content-type': 'text/html; charset=utf-8',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  }).send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; line-height: 1.5">${body}</body></html>`);
}

const errorPage = (res: Response, message: string) => sendPage(res, 400, 'Cannot connect', `<h1>Cannot connect</h1><p>${escape(message)}</p>`);

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

/** RFC 6749 error answers from the token endpoint. */
function oauthError(res: Response, status: number, error: string, description: string): void {
  res.status(status).set('cache-control', 'no-store').json({ error, error_description: description });
}

export interface OauthDeps {
  db: Db;
  sessions: Sessions;
  hub: HubClient | undefined;
  publicUrl: string;
  logger: Logger;
  suspendAfterDenials: number;
}

export function oauthRoutes(deps: OauthDeps): Router {
  const { db } = deps;
  const router = Router();

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
    const partner = request.client_id ? await db.selectFrom('partners').selectAll().where('client_id', '=', request.client_id).executeTakeFirst() : undefined;
    if (!partner) return { error: 'Unknown client_id.' };
    if (!partner.redirect_uris.includes(request.redirect_uri)) return { error: 'This redirect_uri is not registered for the application.' };
    if (partner.suspended_at) return { error: 'This application is suspended.' };
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
    if ('error' in checked) return errorPage(res, checked.error);
    const { partner, request } = checked;
    const session = await deps.sessions.current(req);
    if (!session) {
      // Sign in through Hub first; Hub sends the user to /api/portal/sso, which returns here.
      if (!deps.hub) return errorPage(res, 'Sign-in is not available on this Relay.');
      return res.redirect(302, deps.hub.loginUrl(`${deps.publicUrl}${req.originalUrl}`));
    }
    const hidden = Object.entries({ ...request, code_challenge: request.code_challenge ?? '', csrf: csrfToken(session, request) })
      .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
      .join('');
    const logo = partner.logo_url?.startsWith('https://') ? `<img src="${escape(partner.logo_url)}" alt="" width="64" height="64">` : '';
    return sendPage(
      res,
      200,
      `Connect ${partner.name}`,
      `${logo}<h1>Connect ${escape(partner.name)} to RelayIt</h1>
<p><strong>${escape(partner.name)}</strong> wants to receive the CRM updates from your voice debriefs.</p>
<form method="post" action="/api/oauth/consent">${hidden}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
    );
  });

  router.post('/api/oauth/consent', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const checked = await checkAuthorize({
      ...body,
      response_type: 'code',
      code_challenge_method: body.code_challenge ? 'S256' : undefined,
      code_challenge: body.code_challenge || undefined,
    });
    if ('error' in checked) return errorPage(res, checked.error);
    const { partner, request } = checked;
    const session = await deps.sessions.current(req);
    const csrf = typeof body.csrf === 'string' ? body.csrf : '';
    if (!session || !/^[0-9a-f]{64}$/.test(csrf) || !constantTimeEqual(Buffer.from(csrf, 'hex'), Buffer.from(csrfToken(session, request), 'hex'))) {
      return sendPage(res, 403, 'Expired', '<h1>This consent form expired</h1><p>Start connecting again from the application.</p>');
    }
    if (body.decision !== 'approve') return res.redirect(302, withParams(request.redirect_uri, { error: 'access_denied', state: request.state }));
    const code = prefixedSecret('pcode_', 32);
    await db
      .insertInto('oauth_codes')
      .values({
        code_hash: sha256(code),
        partner_id: partner.id,
        user_id: session.userId,
        redirect_uri: request.redirect_uri,
        scope: request.scope,
        code_challenge: request.code_challenge ?? null,
        expires_at: new Date(Date.now() + CODE_TTL_MS),
        used_at: null,
        token_id: null,
      })
      .execute();
    deps.logger.info({ orgId: session.orgId, userId: session.userId, partnerId: partner.id }, 'partner connection approved');
    return res.redirect(302, withParams(request.redirect_uri, { code, state: request.state }));
  });

  router.post('/api/oauth/token', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    // Credentials travel in a form body (or Basic auth), never JSON and never the query string.
    if (!req.is('application/x-www-form-urlencoded')) return oauthError(res, 400, 'invalid_request', 'use application/x-www-form-urlencoded');
    if (Object.keys(req.query).length > 0) return oauthError(res, 400, 'invalid_request', 'parameters must not be sent in the query string');
    const form = req.body as Record<string, string | undefined>;
    let clientId = form.client_id;
    let clientSecret = form.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (basic) {
      const [id, ...secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id ?? '');
      clientSecret = decodeURIComponent(secret.join(':'));
    }
    const partner = clientId ? await db.selectFrom('partners').selectAll().where('client_id', '=', clientId).executeTakeFirst() : undefined;
    if (!partner || !clientSecret || !constantTimeEqual(sha256(clientSecret), partner.client_secret_hash)) {
      return oauthError(res, 401, 'invalid_client', 'client authentication failed');
    }
    if (form.grant_type !== 'authorization_code') return oauthError(res, 400, 'unsupported_grant_type', 'only authorization_code is supported');
    if (!form.code || !form.redirect_uri) return oauthError(res, 400, 'invalid_request', 'code and redirect_uri are required');

    const outcome = await db.transaction().execute(async (trx) => {
      const code = await trx.selectFrom('oauth_codes').selectAll().where('code_hash', '=', sha256(form.code!)).forUpdate().executeTakeFirst();
      if (!code || code.partner_id !== partner.id) return { error: 'unknown code' } as const;
      if (code.used_at) {
        // A code presented twice may have leaked: the token it bought is revoked.
        if (code.token_id) {
          await trx
            .updateTable('partner_tokens')
            .set({ revoked_at: sql`now()` })
            .where('id', '=', code.token_id)
            .where('revoked_at', 'is', null)
            .execute();
          await trx
            .updateTable('crm_connections')
            .set({ active: false, updated_at: sql`now()` })
            .where('token_id', '=', code.token_id)
            .execute();
        }
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
      const token = prefixedSecret('ptok_', 32);
      const tokenId = randomUUID();
      await trx
        .insertInto('partner_tokens')
        .values({ id: tokenId, token_hash: sha256(token), partner_id: partner.id, user_id: code.user_id, scope: code.scope, revoked_at: null })
        .execute();
      await trx
        .updateTable('oauth_codes')
        .set({ used_at: sql`now()`, token_id: tokenId })
        .where('code_hash', '=', code.code_hash)
        .execute();
      // One connection per user and partner: connecting again replaces the old token.
      const previous = await trx
        .selectFrom('crm_connections')
        .select('token_id')
        .where('partner_id', '=', partner.id)
        .where('user_id', '=', code.user_id)
        .executeTakeFirst();
      if (previous)
        await trx
          .updateTable('partner_tokens')
          .set({ revoked_at: sql`now()` })
          .where('id', '=', previous.token_id)
          .where('revoked_at', 'is', null)
          .execute();
      await trx
        .insertInto('crm_connections')
        .values({ id: randomUUID(), partner_id: partner.id, user_id: code.user_id, token_id: tokenId })
        .onConflict((oc) => oc.columns(['partner_id', 'user_id']).doUpdateSet({ token_id: tokenId, active: true, updated_at: sql`now()` }))
        .execute();
      return { token, userId: code.user_id, scope: code.scope } as const;
    });
    if ('error' in outcome) return oauthError(res, 400, 'invalid_grant', outcome.error ?? 'invalid grant');
    res.set({ 'cache-control': 'no-store', pragma: 'no-cache' }).json({
      access_token: outcome.token,
      token_type: 'Bearer',
      scope: outcome.scope,
      user_id: outcome.userId,
      partner_id: partner.id,
    });
  });

  router.get('/api/oauth/me', requirePartnerToken(deps), async (req, res) => {
    const { partner, token } = req.partnerToken!;
    const connection = await db.selectFrom('crm_connections').select('active').where('token_id', '=', token.id).executeTakeFirst();
    res.json({
      user_id: token.user_id,
      partner: { id: partner.id, name: partner.name, webhook_url: partner.webhook_url },
      scope: token.scope,
      active: connection?.active === true,
    });
  });

  router.delete('/api/oauth/disconnect', requirePartnerToken(deps), async (req, res) => {
    const { token } = req.partnerToken!;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('partner_tokens')
        .set({ revoked_at: sql`now()` })
        .where('id', '=', token.id)
        .execute();
      await trx
        .updateTable('crm_connections')
        .set({ active: false, updated_at: sql`now()` })
        .where('token_id', '=', token.id)
        .execute();
    });
    res.json({ disconnected: true });
  });

  return router;
}

declare module 'express-serve-static-core' {
  interface Request {
    partnerToken?: {
      partner: Partner;
      token: { id: string; user_id: string; scope: string };
    };
  }
}

/**
 * Every request that carries a partner token is audited (partner, user, endpoint, IP,
 * status, time), rate-limited on the allowlisted routes, and refused with 403 anywhere
 * else. A burst of 403/404s from one partner's tokens suspends the partner.
 */
export function partnerTokenFence(deps: OauthDeps): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer\s+(ptok_\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) return next();
    const token = await deps.db
      .selectFrom('partner_tokens')
      .innerJoin('partners', 'partners.id', 'partner_tokens.partner_id')
      .select(['partner_tokens.id', 'partner_tokens.user_id', 'partner_tokens.scope', 'partner_tokens.revoked_at', 'partner_tokens.partner_id'])
      .where('partner_tokens.token_hash', '=', sha256(match[1]!))
      .executeTakeFirst();
    if (!token || token.revoked_at) return next(new ApiError('unauthorized', 'invalid or revoked partner token'));
    const partner = await deps.db.selectFrom('partners').selectAll().where('id', '=', token.partner_id).executeTakeFirstOrThrow();
    res.on('finish', () => void audit(deps, partner.id, token.user_id, req, res.statusCode));
    if (partner.suspended_at) return next(new ApiError('forbidden', 'this partner is suspended'));
    if (!TOKEN_ROUTES.has(req.path)) return next(new ApiError('forbidden', 'partner tokens may only call /api/oauth/me and /api/oauth/disconnect'));

    const perUser = await hitRateLimit(deps.db, `partner-user:${partner.id}:${token.user_id}`, partner.rate_limit_per_user);
    const perPartner = await hitRateLimit(deps.db, `partner:${partner.id}`, partner.rate_limit_per_partner);
    const tripped = !perUser.allowed
      ? { limit: 'per_user', max: partner.rate_limit_per_user, retry: perUser.retryAfterSeconds }
      : !perPartner.allowed
        ? { limit: 'per_partner', max: partner.rate_limit_per_partner, retry: perPartner.retryAfterSeconds }
        : undefined;
    if (tripped) {
      res.set('retry-after', String(tripped.retry));
      const which = tripped.limit === 'per_user' ? 'per-user' : 'partner-wide';
      return next(
        new ApiError('rate_limited', `${which} limit of ${tripped.max} requests per minute exceeded`, {
          limit: tripped.limit,
          max_per_minute: tripped.max,
          retry_after_seconds: tripped.retry,
        }),
      );
    }
    req.partnerToken = { partner, token: { id: token.id, user_id: token.user_id, scope: token.scope } };
    next();
  };
}

function requirePartnerToken(deps: OauthDeps): RequestHandler {
  const fence = partnerTokenFence(deps);
  return (req, res, next) => {
    if (req.partnerToken) return next();
    if (!/^Bearer\s+ptok_/i.test(req.get('authorization') ?? '')) return next(new ApiError('unauthorized', 'a partner token (Bearer ptok_...) is required'));
    return fence(req, res, next);
  };
}

async function audit(deps: OauthDeps, partnerId: string, userId: string, req: Request, status: number): Promise<void> {
  try {
    await deps.db
      .insertInto('partner_audit')
      .values({ partner_id: partnerId, user_id: userId, method: req.method, endpoint: req.path, ip: req.ip ?? null, status })
      .execute();
    if (status !== 403 && status !== 404) return;
    // One statement: the count is taken under the partner row's lock, after any lift, so a
    // late audit of a denial from before an admin lifted a suspension cannot re-impose it.
    const denials = sql<number>`(select count(*) from partner_audit a
      where a.partner_id = partners.id and a.status in (403, 404)
        and a.at > greatest(now() - interval '1 minute', coalesce(partners.suspension_lifted_at, '-infinity'::timestamptz)))`;
    const suspended = await deps.db
      .updateTable('partners')
      .set({ suspended_at: sql`now()`, suspended_reason: sql`${denials} || ' denied requests within a minute (enumeration)'` })
      .where('id', '=', partnerId)
      .where('suspended_at', 'is', null)
      .where(denials, '>=', deps.suspendAfterDenials)
      .executeTakeFirst();
    if (suspended.numUpdatedRows > 0n) deps.logger.warn({ partnerId }, 'partner suspended automatically');
  } catch (error) {
    deps.logger.error({ err: error, partnerId }, 'partner audit failed');
  }
}
