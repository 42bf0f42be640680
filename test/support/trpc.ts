import { call } from './http.js';

/** A tRPC call on the wire exactly as the seed's curl examples make it. */
export async function trpc(baseUrl: string, key: string | undefined, procedure: string, input?: unknown) {
  const isQuery = ['webhooks.list', 'webhooks.deliveries', 'domains.list', 'domains.get'].includes(procedure);
  const path = isQuery
    ? `/api/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`
    : `/api/trpc/${procedure}`;
  const response = await call(
    baseUrl,
    path,
    isQuery ? { key } : { key, method: 'POST', rawBody: JSON.stringify({ json: input }), headers: { 'content-type': 'application/json' } },
  );
  return {
    status: response.status,
    data: response.body?.result?.data?.json,
    error: response.body?.error?.json as { message: string; data: { code: string; httpStatus: number } } | undefined,
  };
}
