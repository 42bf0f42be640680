import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { SavedReply } from '../db/tables/helpdesk.js';
import { isUuid } from '../db/uuid.js';

export async function listSavedReplies(db: DbOrTrx, orgId: string): Promise<SavedReply[]> {
  return db.selectFrom('saved_replies').selectAll().where('org_id', '=', orgId).orderBy('name').execute();
}

/** Undefined when the organization already has a saved reply of that name. */
export async function createSavedReply(db: DbOrTrx, orgId: string, reply: { name: string; body: string }): Promise<SavedReply | undefined> {
  return db
    .insertInto('saved_replies')
    .values({ id: randomUUID(), org_id: orgId, name: reply.name, body: reply.body })
    .onConflict((oc) => oc.columns(['org_id', 'name']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateSavedReply(db: DbOrTrx, orgId: string, id: string, change: { name?: string; body?: string }): Promise<SavedReply | undefined> {
  if (!isUuid(id)) return undefined;
  return db
    .updateTable('saved_replies')
    .set({ ...change, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteSavedReply(db: DbOrTrx, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db.deleteFrom('saved_replies').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
