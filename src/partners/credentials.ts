import { randomUUID } from 'node:crypto';
import type { Db, DbOrTrx } from '../db/database.js';
import type { Partner } from '../db/tables/partners.js';
import type { SealedField, SecretBox } from '../security/encryption.js';
import { prefixedSecret, randomSecret, sha256 } from '../security/secrets.js';
import { revokePartnerAccessTokens } from './oauth-repository.js';
import { insertPartner, replacePartnerSecrets } from './repository.js';

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
  accessTokenTtlSeconds?: number | null | undefined;
}

/** Where a partner's signing secret is stored sealed. */
export function partnerSigningSecret(partnerId: string): SealedField {
  return { table: 'partners', column: 'signing_secret_sealed', rowId: partnerId };
}

export async function createPartner(db: DbOrTrx, box: SecretBox, partner: NewPartner): Promise<{ partner: Partner; credentials: PartnerCredentials }> {
  const credentials = {
    client_id: prefixedSecret('pcli_', 18),
    client_secret: prefixedSecret('psec_', 32),
    webhook_signing_secret: randomSecret(32),
  };
  const id = randomUUID();
  const row = await insertPartner(db, {
    id,
    name: partner.name,
    logoUrl: partner.logoUrl ?? null,
    clientId: credentials.client_id,
    clientSecretHash: sha256(credentials.client_secret),
    signingSecretSealed: box.seal(credentials.webhook_signing_secret, partnerSigningSecret(id)),
    redirectUris: partner.redirectUris,
    webhookUrl: partner.webhookUrl,
    errorUrl: partner.errorUrl ?? null,
    rateLimitPerUser: partner.rateLimitPerUser,
    rateLimitPerPartner: partner.rateLimitPerPartner,
    accessTokenTtlSeconds: partner.accessTokenTtlSeconds,
  });
  return { partner: row, credentials };
}

/**
 * New client secret and signing secret; the old ones stop working at once. Unless told
 * otherwise, every access token of the partner is revoked with them (a rotation usually
 * follows a leak): the partner gets new ones with its refresh tokens and the new client
 * secret, without its users connecting again.
 */
export async function rotatePartner(
  db: Db,
  box: SecretBox,
  partnerId: string,
  options: { revokeAccessTokens: boolean },
): Promise<(PartnerCredentials & { access_tokens_revoked: number }) | undefined> {
  const client_secret = prefixedSecret('psec_', 32);
  const webhook_signing_secret = randomSecret(32);
  return db.transaction().execute(async (trx) => {
    const clientId = await replacePartnerSecrets(trx, partnerId, {
      clientSecretHash: sha256(client_secret),
      signingSecretSealed: box.seal(webhook_signing_secret, partnerSigningSecret(partnerId)),
    });
    if (clientId === undefined) return undefined;
    const revoked = options.revokeAccessTokens ? await revokePartnerAccessTokens(trx, partnerId) : 0;
    return { client_id: clientId, client_secret, webhook_signing_secret, access_tokens_revoked: revoked };
  });
}
