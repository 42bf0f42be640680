import { z } from 'zod';
import { cursorParameter } from '../http/pagination.js';
import { emailAddress } from '../http/email-address.js';
import { INBOUND_CLASSIFICATIONS, INBOUND_PROVIDERS, INBOUND_STATUSES } from '../db/tables/inbound.js';

export const listInboundQuery = z.strictObject({
  status: z.enum(INBOUND_STATUSES).optional(),
  classification: z.enum(INBOUND_CLASSIFICATIONS).optional(),
  provider: z.enum(INBOUND_PROVIDERS).optional(),
  reason: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: cursorParameter(200).optional(),
});

export const inboundAddressRequest = z.strictObject({
  address: emailAddress,
});
