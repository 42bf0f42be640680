import type { ComponentType } from 'react';
import { createBrowserRouter } from 'react-router';
import { AppLayout } from './components/app-layout.js';
import { PageLoader } from './components/page-loader.js';

/** Each page is its own chunk, loaded when first visited: the first load carries only the shell. */
const page = (load: () => Promise<{ Page: ComponentType }>) => async () => ({ Component: (await load()).Page });

export const router = createBrowserRouter([
  {
    hydrateFallbackElement: <PageLoader />,
    children: [
      {
        Component: AppLayout,
        children: [
          { index: true, lazy: page(() => import('./pages/overview/overview-page.js')) },
          { path: 'emails', lazy: page(() => import('./pages/emails/emails-page.js')) },
          { path: 'suppressions', lazy: page(() => import('./pages/suppressions/suppressions-page.js')) },
          { path: 'webhooks', lazy: page(() => import('./pages/webhooks/webhooks-page.js')) },
          { path: 'api-keys', lazy: page(() => import('./pages/api-keys/api-keys-page.js')) },
          { path: 'channels', lazy: page(() => import('./pages/channels/channels-page.js')) },
          { path: 'inbound-archive', lazy: page(() => import('./pages/inbound-archive/inbound-archive-page.js')) },
          { path: 'partners', lazy: page(() => import('./pages/partners/partners-page.js')) },
          { path: '*', lazy: page(() => import('./pages/not-found/not-found-page.js')) },
        ],
      },
    ],
  },
]);
