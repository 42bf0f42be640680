/** The dashboard's pages, in the order the top navigation shows them. */
export const PAGES = [
  { path: '/', label: 'Overview' },
  { path: '/inbox', label: 'Inbox' },
  { path: '/emails', label: 'Emails' },
  { path: '/suppressions', label: 'Suppressions' },
  { path: '/domains', label: 'Domains' },
  { path: '/webhooks', label: 'Webhooks' },
  { path: '/api-keys', label: 'API keys' },
  { path: '/channels', label: 'Channels & inbound addresses' },
  { path: '/inbound-archive', label: 'Inbound archive' },
  { path: '/partners', label: 'Partners' },
] as const;
