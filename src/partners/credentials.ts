import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { Partner } from '../db/tables/partners.js';
import type { SecretBox } from '../security/encryption.js';
import { prefixedSecret, randomSecret, sha256 } from '../security/secrets.js';

/** The three values a partner receives, shown once and never again. */
export interface PartnerCredentials {
  client_id: string;
  client_secret: string;
  webhook_signing_secret: string;
}

export interface NewPartner {
  name: string;
  redirectUris: string[];
  webhookUrl: string;
  errorUrl?: string | undefined;
  logoUrl?: string | undefined;
  rateLimitPerUser?: number | undefined;
  rateLimitPerPartner?: number | undefined;
}

export async function createPartner(db: Db, box: SecretBox, partner: NewPartner): Promise<{ partner: Partner; credentials: PartnerCredentials }> {
  const credentials = {
    client_id: prefixedSecret('pcli_', 18),
    client_secret: prefixedSecret('psec_', 32),
    webhook_signing_secret: randomSecret(32),
  };
  const row = await db
    .insertInto('partners')
    .values({
      id: randomUUID(),
      name: partner.name,
      logo_url: partner.logoUrl ?? null,
      client_id: credentials.client_id,
      client_secret_hash: sha256(credentials.client_secret),
      signing_secret_sealed: box.seal(credentials.webhook_signing_secret),
      redirect_uris: partner.redirectUris,
      webhook_url: partner.webhookUrl,
      error_url: partner.errorUrl ?? null,
      suspended_at: null,
      suspended_reason: null,
      suspension_lifted_at: null,
      ...(partner.rateLimitPerUser ? { rate_limit_per_user: partner.rateLimitPerUser } : {}),
      ...(partner.rateLimitPerPartner ? { rate_limit_per_partner: partner.rateLimitPerPartner } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { partner: row, credentials };
}

/** New client secret and signing secret; the old ones stop working at once. */
export async function rotatePartner(db: Db, box: SecretBox, partnerId: string): Promise<PartnerCredentials | undefined> {
  const client_secret = prefixedSecret('psec_', 32);
  const webhook_signing_secret = randomSecret(32);
  const row = await db
    .updateTable('partners')
    .set({ client_secret_hash: sha256(client_secret), signing_secret_sealed: box.seal(webhook_signing_secret) })
    .where('id', '=', partnerId)
    .returning('client_id')
    .executeTakeFirst();
  return row ? { client_id: row.client_id, client_secret, webhook_signing_secret } : undefined;
}
