import { randomBytes } from 'node:crypto';
import superjson from 'superjson';
import type { FakeHub } from '../fakes/fake-hub.js';

export interface TrpcAnswer {
  status: number;
  data: any;
  error: { message: string; data?: { code: string } } | undefined;
}

/** Signs a new Hub user in to `orgId` with `role` as a browser does (Relay's sign-in link, Hub, back); returns the session cookie. */
export async function signInAs(apiUrl: string, hub: FakeHub, orgId: string, role: string): Promise<string> {
  const { response, cookie } = await hub.signIn(apiUrl, { hubUserId: `hub-${randomBytes(4).toString('hex')}`, orgId, role }, '/');
  if (!cookie) throw new Error(`sign-in answered ${response.status} without a session cookie`);
  return cookie;
}

/**
 * One tRPC call as the dashboard makes it (superjson on the wire, so dates travel as
 * dates), with a session cookie (and the CSRF header) or an API key.
 */
export async function trpcCall(
  apiUrl: string,
  procedure: string,
  options: { cookie?: string; key?: string; input?: unknown; mutation?: boolean },
): Promise<TrpcAnswer> {
  const headers: Record<string, string> = {};
  if (options.cookie) Object.assign(headers, { cookie: options.cookie, 'x-relay-csrf': '1' });
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const encoded = options.input === undefined ? undefined : JSON.stringify(superjson.serialize(options.input));
  const response = options.mutation
    ? await fetch(`${apiUrl}/api/trpc/${procedure}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: encoded ?? '{}' })
    : await fetch(`${apiUrl}/api/trpc/${procedure}${encoded === undefined ? '' : `?input=${encodeURIComponent(encoded)}`}`, { headers });
  const body = (await response.json()) as { result?: { data: any }; error?: { json: { message: string; data?: { code: string } } } };
  return {
    status: response.status,
    data: body.result ? superjson.deserialize(body.result.data) : undefined,
    error: body.error?.json,
  };
}
