import type { Generated, Selectable } from 'kysely';

/**
 * The suite's roles, weakest first, as Hub puts them in its SSO token (src/auth/roles.ts
 * ranks them). No runtime imports: the web app uses this list too.
 */
export const HUB_ROLES = ['Viewer', 'Member', 'Admin', 'Owner'] as const;
export type HubRole = (typeof HUB_ROLES)[number];

/** People who signed in through Hub, and their Relay sessions. */
export interface UsersTable {
  id: string;
  org_id: string;
  hub_user_id: string;
  email: string | null;
  name: string | null;
  created_at: Generated<Date>;
}
export type User = Selectable<UsersTable>;

export interface SessionsTable {
  token_hash: Buffer;
  user_id: string;
  org_id: string;
  hub_session_id: string;
  /** The Hub role the user signed in with (CHECK: one of HUB_ROLES). */
  role: HubRole;
  created_at: Generated<Date>;
  expires_at: Date;
  revoked_at: Date | null;
}
