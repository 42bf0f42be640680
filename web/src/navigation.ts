/** The dashboard's pages, by section, in the order the navigation shows them; `within`: other paths under the page (a ticket is in the inbox). */
export const NAV_SECTIONS = [
  {
    label: 'Messages',
    pages: [
      { path: '/', label: 'Overview' },
      { path: '/inbox', label: 'Inbox', within: ['/tickets'] },
      { path: '/emails', label: 'Emails' },
      { path: '/inbound-archive', label: 'Inbound archive' },
    ],
  },
  {
    label: 'Settings',
    pages: [
      { path: '/domains', label: 'Domains' },
      { path: '/api-keys', label: 'API keys' },
      { path: '/webhooks', label: 'Webhooks' },
      { path: '/channels', label: 'Channels & inbound addresses' },
      { path: '/partners', label: 'Partners' },
      { path: '/suppressions', label: 'Suppressions' },
    ],
  },
] as const;
