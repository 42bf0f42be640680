import type { ComponentType } from 'react';
import { createBrowserRouter } from 'react-router';
import { AppLayout } from './components/app-layout.js';
import { PageLoader } from './components/page-loader.js';
import { queryClient, trpc, whenSessionEnds } from './trpc.js';

/** Each page is its own chunk, loaded when first visited: the first load carries only the shell. */
const page = (load: () => Promise<{ Page: ComponentType }>) => async () => ({ Component: (await load()).Page });

export const router = createBrowserRouter([
  {
    hydrateFallbackElement: <PageLoader />,
    children: [
      { path: 'sign-in', lazy: page(() => import('./pages/sign-in/sign-in-page.js')) },
      {
        Component: AppLayout,
        children: [
          { index: true, lazy: page(() => import('./pages/overview/overview-page.js')) },
          { path: 'inbox', lazy: page(() => import('./pages/inbox/inbox-page.js')) },
          { path: 'tickets/:id', lazy: page(() => import('./pages/ticket/ticket-page.js')) },
          { path: 'emails', lazy: page(() => import('./pages/emails/emails-page.js')) },
          { path: 'emails/:id', lazy: page(() => import('./pages/emails/email-page.js')) },
          { path: 'suppressions', lazy: page(() => import('./pages/suppressions/suppressions-page.js')) },
          { path: 'domains', lazy: page(() => import('./pages/domains/domains-page.js')) },
          { path: 'webhooks', lazy: page(() => import('./pages/webhooks/webhooks-page.js')) },
          { path: 'api-keys', lazy: page(() => import('./pages/api-keys/api-keys-page.js')) },
          { path: 'channels', lazy: page(() => import('./pages/channels/channels-page.js')) },
          { path: 'inbound-archive', lazy: page(() => import('./pages/inbound-archive/inbound-archive-page.js')) },
          { path: 'inbound-archive/:id', lazy: page(() => import('./pages/inbound-archive/inbound-message-page.js')) },
          { path: 'partners', lazy: page(() => import('./pages/partners/partners-page.js')) },
          { path: '*', lazy: page(() => import('./pages/not-found/not-found-page.js')) },
        ],
      },
    ],
  },
]);

/** Signed out by the server (expired, logged out elsewhere, ended in Hub): back to sign-in, then here again. */
export function goToSignIn({ ended }: { ended: boolean }): void {
  const { pathname, search } = router.state.location;
  if (pathname === '/sign-in') return;
  const query = new URLSearchParams({ return_to: `${pathname}${search}` });
  if (ended) query.set('ended', '1');
  // Nothing of the last user's data stays in memory for the next one.
  void router.navigate(`/sign-in?${query}`, { replace: true }).then(() => queryClient.clear());
}

whenSessionEnds(() => goToSignIn({ ended: queryClient.getQueryData(trpc.session.me.queryKey()) !== undefined }));
