import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { ApiKeysTable } from './tables/api-keys.js';
import type { EmailEventsTable } from './tables/email-events.js';
import type { EmailsTable } from './tables/emails.js';
import type { IdempotencyKeysTable } from './tables/idempotency-keys.js';
import type { OrganizationsTable } from './tables/organizations.js';

export interface Database {
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  emails: EmailsTable;
  email_events: EmailEventsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type Db = Kysely<Database>;
/** Repositories take either the pool or a transaction. */
export type DbOrTrx = Kysely<Database> | Transaction<Database>;

export function createDb(connectionString: string, options: { maxConnections?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 10 });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
