import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';

const UNAVAILABLE_CODES = new Set<number>([grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED]);

/**
 * Whether an error says the Temporal server is unreachable (stopped, restarting, a
 * connection cut), as the client reports it (a ServiceError around the gRPC error), as
 * opposed to a refusal: callers answer those with "try again", and what they stored is
 * started by the provider's retry or the sweep.
 */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    if (isGrpcServiceError(current) && UNAVAILABLE_CODES.has(current.code)) return true;
  }
  return false;
}
