import { sql, type Kysely } from 'kysely';

// A send's priority on the shared SES queue, kept with the email so a send started again
// (the stranded-email sweep, a replay) keeps its place.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('emails')
    .addColumn('priority', 'text', (col) =>
      col
        .notNull()
        .defaultTo('normal')
        .check(sql`priority in ('high','normal','bulk')`),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('emails').dropColumn('priority').execute();
}
