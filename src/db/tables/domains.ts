import type { Generated, Selectable } from 'kysely';

export const DOMAIN_STATUSES = ['pending', 'verified', 'failed'] as const;
export type DomainStatus = (typeof DOMAIN_STATUSES)[number];

export interface DomainsTable {
  id: string;
  org_id: string;
  /** Lower case, without a trailing dot. */
  name: string;
  status: Generated<DomainStatus>;
  dkim_tokens: Generated<string[]>;
  dkim_status: Generated<DomainStatus>;
  /** The custom MAIL FROM domain (a subdomain of `name`), when the organization asked for one. */
  mail_from_domain: string | null;
  mail_from_status: DomainStatus | null;
  dmarc_status: Generated<'missing' | 'found'>;
  last_checked_at: Date | null;
  verified_at: Date | null;
  failed_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type Domain = Selectable<DomainsTable>;
