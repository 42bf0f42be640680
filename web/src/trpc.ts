import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import superjson from 'superjson';
import type { AppRouter } from '../../src/api/trpc-router.js';

/** The header every state-changing call made with the session cookie carries (docs/security.md). */
export const CSRF_HEADER = { 'x-relay-csrf': '1' } as const;

export type ApiError = TRPCClientError<AppRouter>;
export type Outputs = inferRouterOutputs<AppRouter>;
export type Inputs = inferRouterInputs<AppRouter>;

function httpStatus(error: unknown): number | undefined {
  return error instanceof TRPCClientError ? (error as ApiError).data?.httpStatus : undefined;
}

export function isUnauthorized(error: unknown): boolean {
  return httpStatus(error) === 401;
}

/** Called when the server says the session is gone (expired, logged out, or ended in Hub). */
let onSessionEnded: () => void = () => {};
export function whenSessionEnds(handler: () => void): void {
  onSessionEnded = handler;
}

const endSessionOn401 = (error: unknown) => {
  if (isUnauthorized(error)) onSessionEnded();
};

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: endSessionOn401 }),
  mutationCache: new MutationCache({ onError: endSessionOn401 }),
  defaultOptions: {
    queries: {
      // A 4xx answer is the server's decision, not a blip: asking again would only repeat it.
      retry: (failures, error) => (httpStatus(error) ?? 500) >= 500 && failures < 2,
      refetchOnWindowFocus: false,
    },
  },
});

const client = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: '/api/trpc', transformer: superjson, headers: () => CSRF_HEADER })],
});

/** Query and mutation options for every procedure, typed from the server's router. */
export const trpc = createTRPCOptionsProxy<AppRouter>({ client, queryClient });
