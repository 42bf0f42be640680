import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface IdempotencyKeysTable {
  org_id: string;
  key: string;
  /** Which endpoint the key was used on; the same key on another endpoint is a conflict. */
  endpoint: string;
  /** SHA-256 of the canonical request body, to tell a retry from a different request. */
  request_hash: string;
  response_status: number | null;
  response_body: ColumnType<unknown, string | undefined, string> | null;
  /** The emails the first request created, so a retry can make sure their workflows run. */
  email_ids: Generated<string[]>;
  created_at: Generated<Date>;
}

export type IdempotencyKey = Selectable<IdempotencyKeysTable>;
export type NewIdempotencyKey = Insertable<IdempotencyKeysTable>;
