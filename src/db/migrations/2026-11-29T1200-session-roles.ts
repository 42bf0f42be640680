import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The Hub role the user signed in with. Sessions from before roles existed get the least
  // privilege; their users get their real role at the next sign-in.
  await db.schema
    .alterTable('sessions')
    .addColumn('role', 'text', (col) =>
      col
        .notNull()
        .defaultTo('Viewer')
        .check(sql`role in ('Viewer','Member','Admin','Owner')`),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('role').execute();
}
