import type { DbOrTrx } from '../db/database.js';
import { coveringDomain, domainOfMailbox, listVerifiedDomainNames } from '../domains/index.js';

/**
 * The From domains among `senders` that no verified domain of the organization covers (a
 * verified domain covers itself and its subdomains). Sends from them are refused before
 * anything is stored: on a shared SES account, SES alone would let any tenant use any
 * domain the account has verified.
 */
export async function unverifiedSenderDomains(db: DbOrTrx, orgId: string, senders: readonly string[]): Promise<Set<string>> {
  const verified = await listVerifiedDomainNames(db, orgId);
  return new Set(senders.map(domainOfMailbox).filter((domain) => !coveringDomain(domain, verified)));
}

export function senderNotVerifiedMessage(domain: string): string {
  return `${domain} is not a verified sending domain of this organization; add it with POST /api/v1/domains and publish its DNS records`;
}
