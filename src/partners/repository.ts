import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { Partner } from '../db/tables/partners.js';
import { isUuid } from '../db/uuid.js';

// Partners (RelayIt's OAuth clients), what their tokens did (the audit), and the rate-limit counters.

export async function insertPartner(
  db: DbOrTrx,
  partner: {
    /** Chosen by the caller: the signing secret is sealed for its row before the row exists. */
    id: string;
    name: string;
    logoUrl: string | null;
    clientId: string;
    clientSecretHash: Buffer;
    signingSecretSealed: Buffer;
    redirectUris: string[];
    webhookUrl: string;
    errorUrl: string | null;
    rateLimitPerUser?: number | undefined;
    rateLimitPerPartner?: number | undefined;
    accessTokenTtlSeconds?: number | null | undefined;
  },
): Promise<Partner> {
  return db
    .insertInto('partners')
    .values({
      id: partner.id,
      name: partner.name,
      logo_url: partner.logoUrl,
      client_id: partner.clientId,
      client_secret_hash: partner.clientSecretHash,
      signing_secret_sealed: partner.signingSecretSealed,
      redirect_uris: partner.redirectUris,
      webhook_url: partner.webhookUrl,
      error_url: partner.errorUrl,
      suspended_at: null,
      suspended_reason: null,
      suspension_lifted_at: null,
      ...(partner.rateLimitPerUser ? { rate_limit_per_user: partner.rateLimitPerUser } : {}),
      ...(partner.rateLimitPerPartner ? { rate_limit_per_partner: partner.rateLimitPerPartner } : {}),
      access_token_ttl_seconds: partner.accessTokenTtlSeconds ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Replaces a partner's client secret hash and sealed signing secret; its client_id, or undefined when there is no such partner. */
export async function replacePartnerSecrets(
  db: DbOrTrx,
  partnerId: string,
  secrets: { clientSecretHash: Buffer; signingSecretSealed: Buffer },
): Promise<string | undefined> {
  const row = await db
    .updateTable('partners')
    .set({ client_secret_hash: secrets.clientSecretHash, signing_secret_sealed: secrets.signingSecretSealed })
    .where('id', '=', partnerId)
    .returning('client_id')
    .executeTakeFirst();
  return row?.client_id;
}

export async function findPartner(db: DbOrTrx, id: string): Promise<Partner | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('partners').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPartnerByClientId(db: DbOrTrx, clientId: string): Promise<Partner | undefined> {
  return db.selectFrom('partners').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/** An operator suspends a partner by hand; suspending it again keeps the first time and updates the reason. */
export async function suspendPartner(db: DbOrTrx, partnerId: string, reason: string): Promise<Partner | undefined> {
  return db
    .updateTable('partners')
    .set({ suspended_at: sql`coalesce(suspended_at, now())`, suspended_reason: reason })
    .where('id', '=', partnerId)
    .returningAll()
    .executeTakeFirst();
}

/** What an operator may change after creation: the rate limits and the access-token lifetime (null: tokens do not expire). */
export async function updatePartnerSettings(
  db: DbOrTrx,
  partnerId: string,
  settings: { rateLimitPerUser?: number | undefined; rateLimitPerPartner?: number | undefined; accessTokenTtlSeconds?: number | null | undefined },
): Promise<Partner | undefined> {
  return db
    .updateTable('partners')
    .set({
      ...(settings.rateLimitPerUser !== undefined ? { rate_limit_per_user: settings.rateLimitPerUser } : {}),
      ...(settings.rateLimitPerPartner !== undefined ? { rate_limit_per_partner: settings.rateLimitPerPartner } : {}),
      ...(settings.accessTokenTtlSeconds !== undefined ? { access_token_ttl_seconds: settings.accessTokenTtlSeconds } : {}),
    })
    .where('id', '=', partnerId)
    .returningAll()
    .executeTakeFirst();
}

/** An operator lifts a suspension; denials audited before this moment no longer count towards the next one. */
export async function liftPartnerSuspension(db: DbOrTrx, partnerId: string): Promise<void> {
  await db
    .updateTable('partners')
    .set({ suspended_at: null, suspended_reason: null, suspension_lifted_at: sql`now()` })
    .where('id', '=', partnerId)
    .execute();
}

export async function insertPartnerAudit(
  db: DbOrTrx,
  entry: { partnerId: string; userId: string; method: string; endpoint: string; ip: string | null; status: number },
): Promise<void> {
  await db
    .insertInto('partner_audit')
    .values({ partner_id: entry.partnerId, user_id: entry.userId, method: entry.method, endpoint: entry.endpoint, ip: entry.ip, status: entry.status })
    .execute();
}

/**
 * Suspends the partner when its tokens were denied (403/404) at least `threshold` times
 * within the last minute; true when this call suspended it. One statement: the count is
 * taken under the partner row's lock, after any lift, so a late audit of a denial from
 * before an admin lifted a suspension cannot re-impose it.
 */
export async function suspendPartnerOnDenials(db: DbOrTrx, partnerId: string, threshold: number): Promise<boolean> {
  const denials = sql<number>`(select count(*) from partner_audit a
    where a.partner_id = partners.id and a.status in (403, 404)
      and a.at > greatest(now() - interval '1 minute', coalesce(partners.suspension_lifted_at, '-infinity'::timestamptz)))`;
  const suspended = await db
    .updateTable('partners')
    .set({ suspended_at: sql`now()`, suspended_reason: sql`${denials} || ' denied requests within a minute (enumeration)'` })
    .where('id', '=', partnerId)
    .where('suspended_at', 'is', null)
    .where(denials, '>=', threshold)
    .executeTakeFirst();
  return suspended.numUpdatedRows > 0n;
}

/** The partner's audit, newest first. */
export async function listPartnerAudit(db: DbOrTrx, partnerId: string, limit: number) {
  return db.selectFrom('partner_audit').selectAll().where('partner_id', '=', partnerId).orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Counts one hit of `key` in the minute starting at `windowStart`, and reads the count of
 * the minute before. The first hit of a minute clears this key's minutes no window reads any more.
 */
export async function countRateLimitHit(db: DbOrTrx, key: string, windowStart: Date, previousStart: Date): Promise<{ current: number; previous: number }> {
  const current = await db
    .insertInto('rate_limit_counters')
    .values({ key, window_start: windowStart, count: 1 })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql`rate_limit_counters.count + 1` }))
    .returning('count')
    .executeTakeFirstOrThrow();
  if (current.count === 1) await db.deleteFrom('rate_limit_counters').where('key', '=', key).where('window_start', '<', previousStart).execute();
  const previous = await db
    .selectFrom('rate_limit_counters')
    .select('count')
    .where('key', '=', key)
    .where('window_start', '=', previousStart)
    .executeTakeFirst();
  return { current: current.count, previous: previous?.count ?? 0 };
}
