import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../src/db/database.js';
import { createDatabase } from './support/stack.js';

let db: Db;

beforeAll(async () => {
  db = createDb(await createDatabase());
});
afterAll(() => db?.destroy());

/** The plan PostgreSQL picks when a sequential scan is priced out: a full scan here means no index serves the query. */
async function plan(query: ReturnType<typeof sql>): Promise<string> {
  return db.connection().execute(async (connection) => {
    await sql`set enable_seqscan = off`.execute(connection);
    const rows = await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(connection);
    return rows.rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}

describe('hot lookups are served by an index, not a scan of the whole table', () => {
  const orgId = randomUUID();
  it.each([
    [
      'the bounce-rate window of one organization',
      sql`select count(*) from email_events where org_id = ${orgId} and occurred_at > now() - interval '24 hours'`,
      'org_id',
    ],
    ['an SES event naming its message', sql`select org_id, id from emails where ses_message_id = ${'0100018f-x'}`, 'ses_message_id'],
    ['the ticket an inbound email was threaded into', sql`select ticket_id from conversation_messages where inbound_id = ${randomUUID()}`, 'inbound_id'],
  ])('%s', async (_name, query, column) => {
    // The column the query narrows by is a condition of the index it reads, not a filter applied row by row.
    expect(await plan(query)).toMatch(new RegExp(`Index Cond: .*\\b${column}\\b`));
  });
});
