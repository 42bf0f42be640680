import type { z } from 'zod';
import { ApiError } from './errors.js';

export interface ValidationIssue {
  path: string;
  message: string;
}

export function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** Parses `value` with `schema`, or throws a 400 listing every problem. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError('validation_failed', `invalid ${what}`, issuesOf(result.error));
  return result.data;
}

/** A raw request body as a JSON object, or a 400. */
export function parseJsonObject(body: Buffer): Record<string, any> {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (value && typeof value === 'object') return value as Record<string, any>;
  } catch {
    // reported below
  }
  throw new ApiError('validation_failed', 'body is not a JSON object');
}
