import { z } from 'zod';
import type { Partner } from '../db/tables/partners.js';

// What operators see of a partner and how they stop one, shared by the admin API and `relay partners`.

/** What an operator sees of a partner: never a secret. */
export function partnerView(partner: Partner) {
  return {
    id: partner.id,
    name: partner.name,
    client_id: partner.client_id,
    redirect_uris: partner.redirect_uris,
    webhook_url: partner.webhook_url,
    error_url: partner.error_url,
    rate_limit_per_user: partner.rate_limit_per_user,
    rate_limit_per_partner: partner.rate_limit_per_partner,
    access_token_ttl_seconds: partner.access_token_ttl_seconds,
    suspended: partner.suspended_at !== null,
    suspended_at: partner.suspended_at?.toISOString() ?? null,
    suspended_reason: partner.suspended_reason,
    created_at: partner.created_at.toISOString(),
  };
}

/** Why an operator suspends a partner; shown in the admin API and the audit. */
export const suspendRequest = z.strictObject({ reason: z.string().trim().min(1).max(500).default('suspended by an operator') });
