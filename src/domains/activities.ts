import type { Db } from '../db/database.js';
import type { Domain } from '../db/tables/domains.js';
import { busEventId, type BusEvent } from '../integrations/bus.js';
import type { DnsResolver } from '../integrations/dns.js';
import type { SesIdentities } from '../integrations/ses-identities.js';
import type { Logger } from '../observability/logger.js';
import { recordWebhookEvents, webhookEventIdsOf } from '../webhooks/index.js';
import { isDmarcRecord } from './records.js';
import { findDomain, finishDomainVerification, recordDomainCheck } from './repository.js';

export interface DomainActivityDeps {
  db: Db;
  sesIdentities: SesIdentities;
  dns: DnsResolver;
  logger: Logger;
}

export type DomainCheck = { state: 'deleted' } | { state: 'pending' | 'verified' | 'failed' };

/** The `data` of domain.verified / domain.failed, on the Bus and to webhooks alike. */
function domainData(domain: Domain): Record<string, unknown> {
  return {
    domainId: domain.id,
    name: domain.name,
    status: domain.status,
    verifiedAt: domain.verified_at?.toISOString() ?? null,
    failedAt: domain.failed_at?.toISOString() ?? null,
  };
}

export function createDomainActivities({ db, sesIdentities, dns, logger }: DomainActivityDeps) {
  return {
    /**
     * Asks SES where the domain's identity stands and looks for a DMARC record, and keeps
     * what it saw per record. An identity SES no longer has can never verify: failed.
     */
    async checkDomainIdentity({ orgId, domainId }: { orgId: string; domainId: string }): Promise<DomainCheck> {
      const domain = await findDomain(db, orgId, domainId);
      if (!domain) return { state: 'deleted' };
      const [identity, dmarc] = await Promise.all([sesIdentities.get(domain.name), dns.txt(`_dmarc.${domain.name}`)]);
      if (!identity) {
        logger.warn({ orgId, domainId, domain: domain.name }, 'SES has no identity for the domain');
        return { state: 'failed' };
      }
      await recordDomainCheck(db, orgId, domainId, {
        dkimStatus: identity.dkim.state,
        mailFromStatus: identity.mailFrom?.state ?? null,
        dmarcFound: dmarc.some(isDmarcRecord),
      });
      if (identity.verifiedForSending && identity.dkim.state === 'verified') return { state: 'verified' };
      return { state: identity.dkim.state === 'failed' ? 'failed' : 'pending' };
    },

    /**
     * Records the outcome and its domain.verified / domain.failed webhook event in one
     * transaction. A retried call finds the outcome recorded and answers the same events.
     */
    async finishDomain({
      orgId,
      domainId,
      outcome,
    }: {
      orgId: string;
      domainId: string;
      outcome: 'verified' | 'failed';
    }): Promise<{ webhookEventIds: string[]; busEvent: BusEvent | null }> {
      return db.transaction().execute(async (trx) => {
        const type = `domain.${outcome}` as const;
        const finished = await finishDomainVerification(trx, orgId, domainId, outcome);
        const domain = finished ?? (await findDomain(trx, orgId, domainId));
        if (!domain || domain.status !== outcome) return { webhookEventIds: [], busEvent: null };
        const at = (outcome === 'verified' ? domain.verified_at : domain.failed_at) ?? domain.updated_at;
        const sourceId = `${domainId}:${outcome}:${at.toISOString()}`;
        const webhookEventIds = finished
          ? await recordWebhookEvents(trx, orgId, [{ type, data: domainData(domain) }], sourceId)
          : await webhookEventIdsOf(trx, orgId, sourceId);
        if (finished) logger.info({ orgId, domainId, domain: domain.name, outcome }, `domain ${outcome}`);
        return {
          webhookEventIds,
          busEvent: {
            id: busEventId(`relay.${type}`, sourceId),
            type: `relay.${type}`,
            occurred_at: at.toISOString(),
            org_id: orgId,
            data: domainData(domain),
          },
        };
      });
    },
  };
}

export type DomainActivities = ReturnType<typeof createDomainActivities>;
