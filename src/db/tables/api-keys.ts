import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export const API_KEY_SCOPES = ['send', 'read', 'webhooks', 'admin', 'debriefs', 'suppressions', 'helpdesk'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeysTable {
  /** The public part of the key (`rk_<id>`), shown in listings and logs. */
  id: string;
  org_id: string;
  name: string | null;
  /** SHA-256 of the whole key; the key itself is shown once and never stored. */
  secret_hash: Buffer;
  scopes: ApiKeyScope[];
  /** Who made it: a dashboard user, `relay keys`, or another key (null for keys made before this was kept). */
  created_by: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  /** Recorded at most once a minute, so a busy key does not write on every request. */
  last_used_at: ColumnType<Date | null, never, Date | null>;
  revoked_at: Date | null;
  /** The key a rotation replaced this one with. */
  replaced_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export type ApiKey = Selectable<ApiKeysTable>;
export type NewApiKey = Insertable<ApiKeysTable>;
