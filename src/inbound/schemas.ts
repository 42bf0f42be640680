import { z } from 'zod';
import { keysetCursorSchema, pageLimitParameter } from '../http/pagination.js';
import { emailAddress } from '../http/email-address.js';
import { INBOUND_CLASSIFICATIONS, INBOUND_PROVIDERS, INBOUND_STATUSES } from '../db/tables/inbound.js';

export const listInboundQuery = z.strictObject({
  status: z.enum(INBOUND_STATUSES).optional(),
  classification: z.enum(INBOUND_CLASSIFICATIONS).optional(),
  provider: z.enum(INBOUND_PROVIDERS).optional(),
  reason: z.string().min(1).max(100).optional(),
  limit: pageLimitParameter,
  cursor: keysetCursorSchema().optional(),
});

export const inboundAddressRequest = z.strictObject({
  address: emailAddress,
});
