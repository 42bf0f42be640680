import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { isTemporalUnavailable } from '../temporal/unavailable.js';
import { EncryptionUnavailable, UnopenableSecret } from '../security/encryption.js';
import type { Logger } from '../observability/logger.js';

/** The closed set of error codes the API answers with, and the HTTP status of each. */
export const ERROR_STATUS = {
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  sender_not_verified: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  idempotency_key_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  reply_window_closed: 422,
  reply_channel_unavailable: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details !== undefined ? { details: this.details } : {}) } };
  }
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError('not_found', `no route for ${req.method} ${req.path}`));
};

/** Renders ApiErrors as they are, body-parser failures as 4xx, a database or Temporal outage as 503, and anything else as an opaque, logged 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    // An answer was already given (a provider body refused as it arrived): nothing more to
    // say; one cut off mid-way can only be ended by closing its connection.
    if (res.headersSent) {
      if (!res.writableEnded) res.destroy();
      return;
    }
    const apiError = toApiError(error);
    if (apiError.status >= 500) logger.error({ err: error, reqId: req.id }, 'request failed');
    // RFC 9110 §15.5.2: a 401 names how to authenticate (API keys, admin and partner tokens are all Bearer).
    if (apiError.status === 401 && !res.get('www-authenticate')) res.set('www-authenticate', 'Bearer realm="relay"');
    res.status(apiError.status).json(apiError.toBody());
  };
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const bodyParserType = (error as { type?: unknown }).type;
  if (bodyParserType === 'entity.parse.failed') return new ApiError('invalid_json', 'request body is not valid JSON');
  if (bodyParserType === 'entity.too.large') return new ApiError('payload_too_large', 'request body is too large');
  if (bodyParserType === 'encoding.unsupported' || bodyParserType === 'charset.unsupported') {
    return new ApiError('unsupported_media_type', 'unsupported request body encoding');
  }
  if (isDatabaseUnavailable(error)) return new ApiError('service_unavailable', 'Relay cannot reach its database right now; retry shortly');
  // What the request stored stands; a retry (or the sweep) starts its work.
  if (isTemporalUnavailable(error)) return new ApiError('service_unavailable', 'Relay cannot reach Temporal right now; retry shortly');
  // The operator's to fix (keys, or a value altered in the database); logged above as an error.
  if (error instanceof EncryptionUnavailable || error instanceof UnopenableSecret) {
    return new ApiError('service_unavailable', 'a secret Relay keeps sealed cannot be opened on this server; retry later');
  }
  return new ApiError('internal_error', 'internal error');
}
