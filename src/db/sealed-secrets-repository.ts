import { sql } from 'kysely';
import { SEALED_COLUMNS, SEALED_HEAD_BYTES, type SealedField, type SealedTable } from '../security/encryption.js';
import type { Db } from './database.js';

/** Rows resealed per transaction. */
const BATCH = 200;

const sealedTables = Object.entries(SEALED_COLUMNS) as [SealedTable, readonly string[]][];

/**
 * Rewrites stored secrets with `reseal`, given each value and the field it is stored in
 * (undefined leaves the value as it is): a batch of rows per transaction, each row locked
 * while it is rewritten. Returns how many values were rewritten, by table.
 */
export async function resealAllSecrets(db: Db, reseal: (sealed: Buffer, field: SealedField) => Buffer | undefined): Promise<Record<SealedTable, number>> {
  const counts = Object.fromEntries(sealedTables.map(([table]) => [table, 0])) as Record<SealedTable, number>;
  for (const [table, columns] of sealedTables) {
    for (let after = ''; ;) {
      const done = await db.transaction().execute(async (trx) => {
        const { rows } = await sql<Record<string, unknown>>`
          select id::text as id, ${sql.join(columns.map((column) => sql.ref(column)))}
          from ${sql.table(table)} where id::text > ${after}
          order by id::text limit ${BATCH} for update`.execute(trx);
        for (const row of rows) {
          const values = columns.flatMap((column) => {
            const sealed = row[column];
            const field = { table, column, rowId: String(row.id) } as SealedField;
            const resealed = sealed instanceof Buffer ? reseal(sealed, field) : undefined;
            return resealed ? [sql`${sql.ref(column)} = ${resealed}`] : [];
          });
          if (values.length === 0) continue;
          await sql`update ${sql.table(table)} set ${sql.join(values)} where id = ${row.id}::uuid`.execute(trx);
          counts[table] += values.length;
        }
        const last = rows.at(-1);
        if (last) after = String(last.id);
        return rows.length < BATCH;
      });
      if (done) break;
    }
  }
  return counts;
}

/** The head (version byte and key id) of every stored secret: what counting them by key needs, and no more. */
export async function listSealedHeads(db: Db): Promise<Buffer[]> {
  const heads: Buffer[] = [];
  for (const [table, columns] of sealedTables) {
    for (const column of columns) {
      const { rows } = await sql<{ head: Buffer }>`
        select substring(${sql.ref(column)} from 1 for ${SEALED_HEAD_BYTES}) as head
        from ${sql.table(table)} where ${sql.ref(column)} is not null`.execute(db);
      heads.push(...rows.map((row) => row.head));
    }
  }
  return heads;
}
