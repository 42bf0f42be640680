import { jwtVerify } from 'jose';
import { z } from 'zod';
import { HUB_ROLES, type HubRole } from '../db/tables/accounts.js';
import { ensureSuccess, type HttpClient } from './http.js';

/** What Hub vouches for about a user signing in to Relay (docs/integrations.md). */
export interface HubIdentity {
  hubUserId: string;
  hubSessionId: string;
  orgId: string;
  email: string | null;
  name: string | null;
  /** What the user may do in this organization (Hub's role for them there). */
  role: HubRole;
}

const claims = z.object({
  sub: z.string().min(1),
  sid: z.string().min(1),
  org_id: z.uuid(),
  email: z.string().optional(),
  name: z.string().optional(),
  // A Hub that predates the claim gets the least privilege; a role Relay does not know refuses the sign-in.
  role: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return 'Viewer' as const;
      const role = HUB_ROLES.find((known) => known.toLowerCase() === value.toLowerCase());
      if (!role) ctx.addIssue({ code: 'custom', message: `unknown role '${value}'` });
      return role ?? z.NEVER;
    }),
});

export class HubRejected extends Error {
  override name = 'HubRejected';
}

export interface HubClient {
  /** Exchanges a one-time JTI for the user's identity; the JWT Hub returns is checked with jose. */
  exchange(jti: string): Promise<HubIdentity>;
  /** Whether Hub still considers the session live (a user removed in Hub is not). */
  sessionActive(hubSessionId: string): Promise<boolean>;
  /** Hub's sign-in page; Hub sends the browser back to /api/portal/sso with a JTI, the path and this `state`. */
  loginUrl(returnTo: string, state: string): string;
}

export function createHubClient(http: HttpClient, hub: { url: string; ssoSecret: string }): HubClient {
  const key = new TextEncoder().encode(hub.ssoSecret);
  const auth = { authorization: `Bearer ${hub.ssoSecret}` };
  return {
    async exchange(jti) {
      const response = await http.request({
        method: 'POST',
        url: `${hub.url}/api/sso/exchange`,
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ jti, product: 'relay' }),
      });
      if (response.status === 400 || response.status === 401 || response.status === 404) throw new HubRejected('Hub did not accept this sign-in');
      ensureSuccess(response, 'Hub');
      let token: unknown;
      try {
        token = (JSON.parse(response.body) as { token?: unknown }).token;
      } catch {
        throw new HubRejected('Hub answered without a token');
      }
      if (typeof token !== 'string') throw new HubRejected('Hub answered without a token');
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, key, { issuer: 'hub', audience: 'relay', algorithms: ['HS256'], maxTokenAge: '5m' }));
      } catch (error) {
        throw new HubRejected(`Hub's token does not verify: ${(error as Error).message}`);
      }
      const parsed = claims.safeParse(payload);
      if (!parsed.success)
        throw new HubRejected(`Hub's token has invalid claims: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      const identity = parsed.data;
      return {
        hubUserId: identity.sub,
        hubSessionId: identity.sid,
        orgId: identity.org_id,
        email: identity.email ?? null,
        name: identity.name ?? null,
        role: identity.role,
      };
    },
    async sessionActive(hubSessionId) {
      const response = await http.request({ method: 'GET', url: `${hub.url}/api/sso/sessions/${encodeURIComponent(hubSessionId)}`, headers: auth });
      if (response.status === 404 || response.status === 410) return false;
      ensureSuccess(response, 'Hub');
      return (JSON.parse(response.body) as { active?: unknown }).active === true;
    },
    loginUrl(returnTo, state) {
      return `${hub.url}/sso/login?${new URLSearchParams({ product: 'relay', return_to: returnTo, state })}`;
    },
  };
}
