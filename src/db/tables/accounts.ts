import type { Generated, Selectable } from 'kysely';

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
  created_at: Generated<Date>;
  expires_at: Date;
  revoked_at: Date | null;
}
