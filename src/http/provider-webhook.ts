import express, { Router, type Request, type Response } from 'express';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { SnsVerificationError, type SnsMessage, type SnsVerifier } from '../security/sns.js';
import { ApiError } from './errors.js';
import type { BodyBudget } from './body-budget.js';

/**
 * A provider's webhook request as a capability's receive.ts sees it: the exact bytes the
 * signature covers, and no Express types, so verification is plain code over data.
 */
export interface ProviderRequest {
  raw: Buffer;
  contentType: string;
  /** Path and query as the provider called them (Twilio signs the full public URL). */
  url: string;
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

/** A provider request refused before anything is stored: bad signature, stale, malformed, too large. */
export class WebhookRejected extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookRejected';
  }
}

const REJECTION_CODE = { 400: 'validation_failed', 401: 'unauthorized', 403: 'forbidden', 413: 'payload_too_large' } as const;

export interface ProviderWebhookDeps {
  logger: Logger;
  metrics: Metrics;
  /** The API's request-body budget: a provider's body is charged as it arrives, and must arrive in time. */
  bodies: BodyBudget;
}

/**
 * One shape for every provider webhook route: the raw body (up to `limitBytes`) becomes a
 * ProviderRequest for the handler; a WebhookRejected becomes the matching 4xx, counted
 * and logged, with nothing stored.
 */
export function providerWebhookRoute(
  deps: ProviderWebhookDeps,
  route: { method: 'get' | 'post'; path: string; provider: string; limitBytes: number },
  handle: (request: ProviderRequest, res: Response) => Promise<void>,
): Router {
  const router = Router();
  // The providers Relay serves send their webhooks uncompressed; a compressed one gets 415.
  const read = deps.bodies.readArriving(route.limitBytes, (options) => express.raw({ type: () => true, ...options }));
  router[route.method](route.path, ...read, async (req: Request, res: Response) => {
    try {
      await handle(providerRequestOf(req), res);
    } catch (error) {
      if (!(error instanceof WebhookRejected)) throw error;
      deps.metrics.webhooks.inc({ provider: route.provider, outcome: 'rejected' });
      deps.logger.warn({ provider: route.provider, reason: error.message, reqId: req.id }, 'provider webhook refused');
      throw new ApiError(REJECTION_CODE[error.status], error.message);
    }
  });
  return router;
}

export function providerRequestOf(req: Request): ProviderRequest {
  return {
    raw: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    contentType: req.get('content-type') ?? '',
    url: req.originalUrl,
    header: (name) => req.get(name),
    query: (name) => (typeof req.query[name] === 'string' ? req.query[name] : undefined),
  };
}

/** A provider body as a JSON object, or a 400. */
export function jsonObjectOf(request: ProviderRequest): Record<string, any> {
  try {
    const value: unknown = JSON.parse(request.raw.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, any>;
  } catch {
    // reported below
  }
  throw new WebhookRejected(400, 'body is not a JSON object');
}

/** A verified SNS message from the request body, or a 401 saying what failed. */
export async function verifiedSnsMessage(request: ProviderRequest, sns: SnsVerifier): Promise<SnsMessage> {
  try {
    return await sns.verify(request.raw.toString('utf8'));
  } catch (error) {
    if (error instanceof SnsVerificationError) throw new WebhookRejected(401, `SNS: ${error.message}`);
    throw error;
  }
}
