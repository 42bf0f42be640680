import { HUB_ROLES, type HubRole } from '../db/tables/accounts.js';

export { HUB_ROLES, type HubRole };

/**
 * Viewer reads; Member also acts on emails, suppressions and tickets; Admin and Owner
 * manage keys, webhooks, channels, inbound addresses and domains (Owner ranks above Admin
 * for what may one day be the owner's alone). The web app uses this too.
 */
export function roleAtLeast(role: HubRole, minimum: HubRole): boolean {
  return HUB_ROLES.indexOf(role) >= HUB_ROLES.indexOf(minimum);
}
