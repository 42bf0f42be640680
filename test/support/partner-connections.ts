import { randomBytes, randomUUID } from 'node:crypto';
import type { DbOrTrx } from '../../src/db/database.js';

/**
 * A partner ("MyCRM") a user has connected through OAuth, with one delivery on record, as
 * the dashboard's Partners page lists it; written straight to the tables, the partner's
 * secrets random. Returns the connection's id and its access token's.
 */
export async function seedPartnerConnection(
  db: DbOrTrx,
  { orgId, userId, delivery }: { orgId: string; userId: string; delivery: { status: 'pending' | 'succeeded'; partnerRecordId: string | null } },
): Promise<{ connectionId: string; tokenId: string }> {
  const partnerId = randomUUID();
  await db
    .insertInto('partners')
    .values({
      id: partnerId,
      name: 'MyCRM',
      logo_url: null,
      client_id: `pcli_${randomUUID()}`,
      client_secret_hash: randomBytes(32),
      signing_secret_sealed: randomBytes(32),
      redirect_uris: ['https://mycrm.example/cb'],
      webhook_url: 'https://mycrm.example/hook',
      error_url: null,
      suspended_at: null,
      suspended_reason: null,
      suspension_lifted_at: null,
    })
    .execute();
  const tokenId = randomUUID();
  const connectionId = randomUUID();
  await db
    .insertInto('partner_tokens')
    .values({ id: tokenId, token_hash: randomBytes(32), partner_id: partnerId, user_id: userId, scope: 'default', revoked_at: null })
    .execute();
  await db.insertInto('crm_connections').values({ id: connectionId, partner_id: partnerId, user_id: userId, token_id: tokenId }).execute();
  await db
    .insertInto('partner_deliveries')
    .values({
      idempotency_key: randomUUID(),
      partner_id: partnerId,
      connection_id: connectionId,
      user_id: userId,
      org_id: orgId,
      action: 'create_note',
      payload: '{}',
      status: delivery.status,
      partner_record_id: delivery.partnerRecordId,
      error_event: null,
    })
    .execute();
  return { connectionId, tokenId };
}
