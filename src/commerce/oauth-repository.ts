import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';

export interface OauthState {
  orgId: string;
  provider: 'shopify' | 'stripe_connect';
  shop: string | null;
}

export async function insertOauthState(db: DbOrTrx, stateHash: Buffer, state: OauthState, ttlMs: number): Promise<void> {
  await db
    .insertInto('commerce_oauth_states')
    .values({ state_hash: stateHash, org_id: state.orgId, provider: state.provider, shop: state.shop, expires_at: new Date(Date.now() + ttlMs) })
    .execute();
}

/** Uses up a state: a live one answers whom it was for, once; an unknown, used or expired one answers nothing. */
export async function consumeOauthState(db: DbOrTrx, stateHash: Buffer, provider: OauthState['provider']): Promise<OauthState | undefined> {
  const row = await db
    .deleteFrom('commerce_oauth_states')
    .where('state_hash', '=', stateHash)
    .where('provider', '=', provider)
    .returning(['org_id', 'provider', 'shop', 'expires_at'])
    .executeTakeFirst();
  // Expired states are swept as new installs start.
  await db
    .deleteFrom('commerce_oauth_states')
    .where('expires_at', '<', sql<Date>`now()`)
    .execute();
  if (!row || row.expires_at.getTime() < Date.now()) return undefined;
  return { orgId: row.org_id, provider: row.provider, shop: row.shop };
}
