import { Router, type Request, type RequestHandler } from 'express';
import type { Db } from '../db/database.js';
import type { Partner } from '../db/tables/partners.js';
import type { Logger } from '../observability/logger.js';
import { sha256 } from '../security/secrets.js';
import { ApiError } from '../http/errors.js';
import { hitRateLimit } from './rate-limit.js';
import { findLivePartnerToken, isConnectionActive, revokeTokenAndConnection } from './oauth-repository.js';
import { insertPartnerAudit, suspendPartnerOnDenials } from './repository.js';

/** The only routes a partner token may call (the seed's allowlist). */
const TOKEN_ROUTES = new Set(['/api/oauth/me', '/api/oauth/disconnect']);

export interface PartnerTokenDeps {
  db: Db;
  logger: Logger;
  suspendAfterDenials: number;
}

declare module 'express-serve-static-core' {
  interface Request {
    partnerToken?: {
      partner: Partner;
      token: { id: string; user_id: string; scope: string };
    };
  }
}

/** What a partner may do with a user's token: read the connection, and end it. */
export function partnerTokenRoutes(deps: PartnerTokenDeps): Router {
  const { db } = deps;
  const router = Router();

  router.get('/api/oauth/me', requirePartnerToken(deps), async (req, res) => {
    const { partner, token } = req.partnerToken!;
    res.json({
      user_id: token.user_id,
      partner: { id: partner.id, name: partner.name, webhook_url: partner.webhook_url },
      scope: token.scope,
      active: await isConnectionActive(db, token.id),
    });
  });

  router.delete('/api/oauth/disconnect', requirePartnerToken(deps), async (req, res) => {
    const { token } = req.partnerToken!;
    await db.transaction().execute((trx) => revokeTokenAndConnection(trx, token.id));
    res.json({ disconnected: true });
  });

  return router;
}

/**
 * Every request that carries a partner token is audited (partner, user, endpoint, IP,
 * status, time), rate-limited on the allowlisted routes, and refused with 403 anywhere
 * else. A burst of 403/404s from one partner's tokens suspends the partner.
 */
export function partnerTokenFence(deps: PartnerTokenDeps): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer\s+(ptok_\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) return next();
    const found = await findLivePartnerToken(deps.db, sha256(match[1]!));
    if (!found) {
      // RFC 6750 §3.1: the client learns the token itself is bad (refresh it, or reconnect).
      res.set('www-authenticate', 'Bearer realm="relay", error="invalid_token", error_description="unknown, expired or revoked token"');
      return next(new ApiError('unauthorized', 'invalid, expired or revoked partner token'));
    }
    const { partner, token } = found;
    res.on('finish', () => void audit(deps, partner.id, token.user_id, req, res.statusCode));
    if (partner.suspended_at) return next(new ApiError('forbidden', 'this partner is suspended'));
    if (!TOKEN_ROUTES.has(req.path)) return next(new ApiError('forbidden', 'partner tokens may only call /api/oauth/me and /api/oauth/disconnect'));

    // A request the per-user limit refuses never reaches the partner's count: one user's
    // runaway loop cannot use up the ceiling every other user shares.
    const perUser = await hitRateLimit(deps.db, `partner-user:${partner.id}:${token.user_id}`, partner.rate_limit_per_user);
    const perPartner = perUser.allowed ? await hitRateLimit(deps.db, `partner:${partner.id}`, partner.rate_limit_per_partner) : undefined;
    const tripped = !perUser.allowed
      ? { limit: 'per_user', max: partner.rate_limit_per_user, retry: perUser.retryAfterSeconds }
      : perPartner && !perPartner.allowed
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
    req.partnerToken = { partner, token };
    next();
  };
}

function requirePartnerToken(deps: PartnerTokenDeps): RequestHandler {
  const fence = partnerTokenFence(deps);
  return (req, res, next) => {
    if (req.partnerToken) return next();
    if (!/^Bearer\s+ptok_/i.test(req.get('authorization') ?? '')) return next(new ApiError('unauthorized', 'a partner token (Bearer ptok_...) is required'));
    return fence(req, res, next);
  };
}

async function audit(deps: PartnerTokenDeps, partnerId: string, userId: string, req: Request, status: number): Promise<void> {
  try {
    await insertPartnerAudit(deps.db, { partnerId, userId, method: req.method, endpoint: req.path, ip: req.ip ?? null, status });
    if (status !== 403 && status !== 404) return;
    if (await suspendPartnerOnDenials(deps.db, partnerId, deps.suspendAfterDenials)) deps.logger.warn({ partnerId }, 'partner suspended automatically');
  } catch (error) {
    deps.logger.error({ err: error, partnerId }, 'partner audit failed');
  }
}
