import { z } from 'zod';
import { ApiError } from '../http/errors.js';
import { checkTargetUrl, SsrfRefused, type UrlPolicy } from '../security/ssrf.js';

const rateLimitPerUser = z.number().int().min(1).max(100_000);
const rateLimitPerPartner = z.number().int().min(1).max(1_000_000);
/** A minute to a year; null (the default) means access tokens do not expire, as the partner document says. */
const accessTokenTtlSeconds = z.number().int().min(60).max(31_536_000).nullable();

/** What an operator registers a partner with (the admin API and `relay partners create`). */
export const partnerRequest = z.strictObject({
  name: z.string().trim().min(1).max(200),
  redirect_uris: z
    .array(z.url({ protocol: /^https?$/ }).max(2048))
    .min(1)
    .max(20),
  webhook_url: z.url().max(2048),
  error_url: z.url().max(2048).optional(),
  logo_url: z
    .url({ protocol: /^https$/ })
    .max(2048)
    .optional(),
  rate_limit_per_user: rateLimitPerUser.optional(),
  rate_limit_per_partner: rateLimitPerPartner.optional(),
  access_token_ttl_seconds: accessTokenTtlSeconds.optional(),
});

/** What an operator may change after creation (`PATCH /api/admin/partners/{id}`). */
export const partnerSettingsRequest = z
  .strictObject({
    rate_limit_per_user: rateLimitPerUser.optional(),
    rate_limit_per_partner: rateLimitPerPartner.optional(),
    access_token_ttl_seconds: accessTokenTtlSeconds.optional(),
  })
  .refine((settings) => Object.keys(settings).length > 0, { message: 'name at least one setting to change' });

/**
 * An authorization code travels in the redirect's query string: over plain http anyone on
 * the path reads it. Only where plain-http targets are allowed at all (RELAY_ALLOW_INSECURE_WEBHOOKS,
 * which production refuses) may a redirect URI be http.
 */
export function redirectUriRefusal(uri: string, policy: UrlPolicy): string | undefined {
  if (uri.startsWith('https://') || policy.allowInsecure) return undefined;
  return 'must be an https URL (http only with RELAY_ALLOW_INSECURE_WEBHOOKS, never in production)';
}

/** Checks a partner's redirect URIs, and its webhook and error URLs against the SSRF policy (again at every delivery). */
export async function checkPartnerUrls(
  request: { redirect_uris: string[]; webhook_url: string; error_url?: string | undefined },
  policy: UrlPolicy,
): Promise<void> {
  const insecure = request.redirect_uris.flatMap((uri, index) => {
    const message = redirectUriRefusal(uri, policy);
    return message ? [{ path: `redirect_uris.${index}`, message }] : [];
  });
  if (insecure.length > 0) throw new ApiError('validation_failed', `redirect_uris refused: ${insecure[0]!.message}`, insecure);
  for (const [field, url] of [
    ['webhook_url', request.webhook_url],
    ['error_url', request.error_url],
  ] as const) {
    if (url === undefined) continue;
    try {
      await checkTargetUrl(url, policy);
    } catch (error) {
      if (error instanceof SsrfRefused)
        throw new ApiError('validation_failed', `${field} refused: ${error.message}`, [{ path: field, message: error.message }]);
      throw error;
    }
  }
}
