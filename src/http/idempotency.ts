import type { Request } from 'express';
import { ApiError } from './errors.js';
import { sha256 } from '../security/secrets.js';

/** The Idempotency-Key was used before with another body or on another endpoint. */
export class IdempotencyKeyReused extends Error {
  override name = 'IdempotencyKeyReused';
}

export interface IdempotencyRequest {
  key: string;
  /** Which endpoint the key is used on; the same key on another endpoint is a conflict. */
  endpoint: string;
  /** The request body as received; its hash tells a retry from a different request. */
  body: unknown;
}

/** The request's Idempotency-Key header, for `endpoint`; undefined without one, 400 when malformed. */
export function idempotencyOf(req: Request, endpoint: string): IdempotencyRequest | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new ApiError('validation_failed', 'Idempotency-Key must be 1-255 visible ASCII characters');
  }
  return { key, endpoint, body: req.body };
}

/** SHA-256 of the body, hex: what tells a retry (the same body) from another request under the key. */
export const requestHashOf = (idempotency: IdempotencyRequest | undefined): string =>
  idempotency ? sha256(JSON.stringify(idempotency.body)).toString('hex') : '';

/** A stored first use of the key, checked against this request: the same endpoint and body, or IdempotencyKeyReused. */
export function assertSameRequest(
  previous: { endpoint: string; request_hash: string } | undefined,
  idempotency: IdempotencyRequest | undefined,
  requestHash: string,
): asserts previous is { endpoint: string; request_hash: string } {
  if (!previous || previous.endpoint !== idempotency?.endpoint || previous.request_hash !== requestHash) throw new IdempotencyKeyReused();
}
