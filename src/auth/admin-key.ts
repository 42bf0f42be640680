import type { RequestHandler } from 'express';
import { ApiError } from '../http/errors.js';
import { constantTimeEqual, sha256 } from '../security/secrets.js';

/** Whether an Authorization header carries the admin key; with no admin key configured, nobody is an admin. */
export function adminKeyMatcher(adminKey: string | undefined): (authorization: string | undefined) => boolean {
  const expected = adminKey ? sha256(adminKey) : undefined;
  return (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    // Hashing both sides makes the comparison constant-time whatever the lengths.
    return Boolean(expected && match?.[1] && constantTimeEqual(sha256(match[1]), expected));
  };
}

/** `Authorization: Bearer <RELAY_ADMIN_KEY>`. */
export function requireAdminKey(adminKey: string | undefined): RequestHandler {
  const isAdmin = adminKeyMatcher(adminKey);
  return (req, _res, next) => {
    if (!isAdmin(req.get('authorization'))) throw new ApiError('unauthorized', 'missing or invalid admin key');
    next();
  };
}
