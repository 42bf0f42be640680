import { z } from 'zod';
import { cursorParameter, pageLimitParameter } from '../http/pagination.js';
import { emailAddress } from '../http/email-address.js';
import { SUPPRESSION_REASONS } from '../db/tables/suppressions.js';

export const addSuppressionRequest = z.strictObject({
  address: emailAddress,
  /** Added by hand; bounces and complaints add their own. */
  reason: z.literal('manual').default('manual'),
});

export const listSuppressionsQuery = z.strictObject({
  search: z.string().min(1).max(320).optional(),
  reason: z.enum(SUPPRESSION_REASONS).optional(),
  limit: pageLimitParameter,
  cursor: cursorParameter(400).optional(),
});

export const suppressionView = z.object({
  address: z.string(),
  reason: z.enum(SUPPRESSION_REASONS),
  source_email_id: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  created_at: z.iso.datetime(),
});
