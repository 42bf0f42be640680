/**
 * The suite's roles, weakest first, as Hub puts them in its SSO token. Viewer reads; Member
 * also acts on emails, suppressions and tickets; Admin and Owner manage keys, webhooks,
 * channels, inbound addresses and domains (Owner ranks above Admin for what may one day be
 * the owner's alone). No imports: the web app uses this list too.
 */
export const HUB_ROLES = ['Viewer', 'Member', 'Admin', 'Owner'] as const;

export type HubRole = (typeof HUB_ROLES)[number];

export function roleAtLeast(role: HubRole, minimum: HubRole): boolean {
  return HUB_ROLES.indexOf(role) >= HUB_ROLES.indexOf(minimum);
}
