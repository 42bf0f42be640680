import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { DefaultErrorShape } from '@trpc/server/unstable-core-do-not-import';
import { ApiError, type ErrorBody, type ErrorCode } from '../http/errors.js';
import type { ValidationIssue } from '../http/validate.js';

// tRPC answers with the REST API's codes and messages (http/errors.ts), in every mode:
// never a stack, never the message of an unexpected error.

const REST_CODE: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCode>> = {
  PARSE_ERROR: 'invalid_json',
  BAD_REQUEST: 'validation_failed',
  UNAUTHORIZED: 'unauthorized',
  FORBIDDEN: 'forbidden',
  NOT_FOUND: 'not_found',
  METHOD_NOT_SUPPORTED: 'method_not_allowed',
  CONFLICT: 'conflict',
  PRECONDITION_FAILED: 'service_unavailable',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  TOO_MANY_REQUESTS: 'rate_limited',
  SERVICE_UNAVAILABLE: 'service_unavailable',
};

const TRPC_CODE: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  invalid_json: 'PARSE_ERROR',
  validation_failed: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  sender_not_verified: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  method_not_allowed: 'METHOD_NOT_SUPPORTED',
  request_timeout: 'TIMEOUT',
  conflict: 'CONFLICT',
  idempotency_key_conflict: 'CONFLICT',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  unsupported_media_type: 'UNSUPPORTED_MEDIA_TYPE',
  reply_window_closed: 'UNPROCESSABLE_CONTENT',
  reply_channel_unavailable: 'UNPROCESSABLE_CONTENT',
  rate_limited: 'TOO_MANY_REQUESTS',
  internal_error: 'INTERNAL_SERVER_ERROR',
  service_unavailable: 'SERVICE_UNAVAILABLE',
};

/** An ApiError thrown inside a procedure (a capability's own refusal) keeps its status, code and details. */
export function asTrpcError(error: ApiError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[error.code], message: error.message, cause: error });
}

/** A schema's issues (zod, or any Standard Schema), as the REST API lists them. */
function issuesOf(cause: unknown): ValidationIssue[] | undefined {
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return undefined;
  return issues.map((issue: { path?: readonly unknown[]; message?: unknown }) => ({
    path: (issue.path ?? [])
      .map((part) => String(typeof part === 'object' && part !== null && 'key' in part ? (part as { key: unknown }).key : part))
      .join('.'),
    message: String(issue.message ?? 'invalid'),
  }));
}

/** The REST body of a tRPC error. */
export function restErrorOf(error: TRPCError): ErrorBody['error'] {
  if (error.cause instanceof ApiError) return error.cause.toBody().error;
  const issues = error.code === 'BAD_REQUEST' ? issuesOf(error.cause) : undefined;
  // The message names each problem too: the dashboard shows the server's message as it is.
  if (issues)
    return {
      code: 'validation_failed',
      message: `invalid input: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ')}`,
      details: issues,
    };
  const code = REST_CODE[error.code];
  // An unexpected failure says nothing about itself; the log has it.
  if (!code || error.code === 'INTERNAL_SERVER_ERROR') return { code: 'internal_error', message: 'internal error' };
  return { code, message: error.message };
}

/** initTRPC's errorFormatter: tRPC's envelope, the REST API's code and message, no stack. */
export function formatTrpcError({ shape, error }: { shape: DefaultErrorShape; error: TRPCError }) {
  const rest = restErrorOf(error);
  return {
    message: rest.message,
    code: shape.code,
    data: { code: shape.data.code, httpStatus: shape.data.httpStatus, ...(shape.data.path ? { path: shape.data.path } : {}), error: rest },
  };
}
