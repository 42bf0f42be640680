import type { RequestHandler } from 'express';
import { ApiError } from '../http/errors.js';
import { constantTimeEqual, sha256 } from '../security/secrets.js';

/** `Authorization: Bearer <RELAY_ADMIN_KEY>`; with no admin key configured, nobody is an admin. */
export function requireAdminKey(adminKey: string | undefined): RequestHandler {
  const expected = adminKey ? sha256(adminKey) : undefined;
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    // Hashing both sides makes the comparison constant-time whatever the lengths.
    if (!expected || !match?.[1] || !constantTimeEqual(sha256(match[1]), expected)) {
      throw new ApiError('unauthorized', 'missing or invalid admin key');
    }
    next();
  };
}
