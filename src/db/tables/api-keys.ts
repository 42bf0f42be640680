import type { Generated, Insertable, Selectable } from 'kysely';

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
  created_at: Generated<Date>;
  revoked_at: Date | null;
}

export type ApiKey = Selectable<ApiKeysTable>;
export type NewApiKey = Insertable<ApiKeysTable>;
