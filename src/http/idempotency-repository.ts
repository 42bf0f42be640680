import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { IdempotencyKey } from '../db/tables/idempotency-keys.js';

/** How long a key keeps its first answer; after that the same key starts a new request. */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

/**
 * Claims `key` for this request. Returns true when the caller owns the key (new, or its
 * previous use expired); false when another request holds it. Two concurrent requests
 * with the same key serialise on the primary key: the second waits for the first to
 * commit and then sees it.
 */
export async function claimIdempotencyKey(db: DbOrTrx, claim: { orgId: string; key: string; endpoint: string; requestHash: string }): Promise<boolean> {
  const row = await db
    .insertInto('idempotency_keys')
    .values({ org_id: claim.orgId, key: claim.key, endpoint: claim.endpoint, request_hash: claim.requestHash })
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'key'])
        .doUpdateSet({
          endpoint: claim.endpoint,
          request_hash: claim.requestHash,
          response_status: null,
          response_body: null,
          email_ids: sql`'{}'::uuid[]`,
          created_at: sql`now()`,
        })
        .where('idempotency_keys.created_at', '<', sql<Date>`now() - make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS})`),
    )
    .returning('key')
    .executeTakeFirst();
  return row !== undefined;
}

export async function findIdempotencyKey(db: DbOrTrx, orgId: string, key: string): Promise<IdempotencyKey | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where('org_id', '=', orgId).where('key', '=', key).executeTakeFirst();
}

export async function storeIdempotentResponse(
  db: DbOrTrx,
  claim: { orgId: string; key: string },
  response: { status: number; body: unknown; emailIds?: string[] },
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ response_status: response.status, response_body: JSON.stringify(response.body), email_ids: response.emailIds ?? [] })
    .where('org_id', '=', claim.orgId)
    .where('key', '=', claim.key)
    .execute();
}
