import { sql } from 'kysely';
import type { Db } from './database.js';

/** Every column holding a value sealed under RELAY_ENCRYPTION_KEY, by table and primary key. */
const SEALED_COLUMNS = [
  { table: 'webhooks', key: 'id', columns: ['secret_sealed', 'previous_secret_sealed'] },
  { table: 'partners', key: 'id', columns: ['signing_secret_sealed'] },
  { table: 'channels', key: 'id', columns: ['secret_sealed', 'verify_token_sealed', 'credentials_sealed'] },
  { table: 'commerce_accounts', key: 'id', columns: ['secret_sealed', 'access_token_sealed'] },
] as const;

/** Rows resealed per transaction. */
const BATCH = 200;

/**
 * Seals every stored secret again with `reseal` (open with whichever key sealed it, seal
 * with the current one), a batch of rows per transaction, each row locked while it is
 * rewritten. Returns how many values were resealed, by table.
 */
export async function resealAllSecrets(db: Db, reseal: (sealed: Buffer) => Buffer): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, key, columns } of SEALED_COLUMNS) {
    counts[table] = 0;
    for (let after = ''; ;) {
      const done = await db.transaction().execute(async (trx) => {
        const { rows } = await sql<Record<string, unknown>>`
          select ${sql.ref(key)} as key, ${sql.join(columns.map((column) => sql.ref(column)))}
          from ${sql.table(table)} where ${sql.ref(key)}::text > ${after}
          order by ${sql.ref(key)}::text limit ${BATCH} for update`.execute(trx);
        for (const row of rows) {
          const values = columns.filter((column) => row[column] instanceof Buffer).map((column) => sql`${sql.ref(column)} = ${reseal(row[column] as Buffer)}`);
          if (values.length === 0) continue;
          await sql`update ${sql.table(table)} set ${sql.join(values)} where ${sql.ref(key)} = ${row.key}`.execute(trx);
          counts[table]! += values.length;
        }
        const last = rows.at(-1);
        if (last) after = String(last.key);
        return rows.length < BATCH;
      });
      if (done) break;
    }
  }
  return counts;
}
