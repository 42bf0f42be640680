import { z } from 'zod';
import { ApiError } from '../http/errors.js';
import { checkTargetUrl, SsrfRefused, type UrlPolicy } from '../security/ssrf.js';

/** What an operator registers a partner with (the admin API and `relay partners create`). */
export const partnerRequest = z.strictObject({
  name: z.string().trim().min(1).max(200),
  redirect_uris: z
    .array(z.url({ protocol: /^https?$/ }).max(2048))
    .min(1)
    .max(20),
  webhook_url: z.string().max(2048),
  error_url: z.string().max(2048).optional(),
  logo_url: z
    .url({ protocol: /^https$/ })
    .max(2048)
    .optional(),
  rate_limit_per_user: z.number().int().min(1).max(100_000).optional(),
  rate_limit_per_partner: z.number().int().min(1).max(1_000_000).optional(),
});

/** Checks a partner's webhook and error URLs against the SSRF policy (again at every delivery). */
export async function checkPartnerUrls(request: { webhook_url: string; error_url?: string | undefined }, policy: UrlPolicy): Promise<void> {
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
