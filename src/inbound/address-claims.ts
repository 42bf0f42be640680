import type { Db } from '../db/database.js';
import { coveringDomain, listVerifiedDomainNames } from '../domains/index.js';
import type { VerifySupportAddressInput } from '../temporal/inputs.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { addressDomain, newDnsToken } from './address-proof.js';
import { insertAddressClaim, isAddressHeldElsewhere, type AddressClaim } from './repository.js';

export interface AddressClaimDeps {
  db: Db;
  workflows: Pick<WorkflowStarter, 'checkSupportAddress'>;
  /** The DNS checks' schedule (DOMAIN_CHECK_*). */
  checks: VerifySupportAddressInput['checks'];
}

/**
 * Claims a support address for the organization (the REST API and the dashboard alike).
 * Active at once when a verified sending domain of the organization covers it; otherwise
 * pending, with its proof (mailed code or DNS TXT) started. 'taken' when another
 * organization holds it.
 */
export async function claimSupportAddress(deps: AddressClaimDeps, orgId: string, requested: string): Promise<AddressClaim | 'taken'> {
  const { db } = deps;
  const address = requested.toLowerCase();
  if (await isAddressHeldElsewhere(db, orgId, address)) return 'taken';
  const provenByDomain = coveringDomain(addressDomain(address), await listVerifiedDomainNames(db, orgId)) !== undefined;
  const claimed = await insertAddressClaim(db, {
    orgId,
    address,
    dnsToken: provenByDomain ? null : newDnsToken(),
    verifiedBy: provenByDomain ? 'sending_domain' : null,
  });
  if (claimed === 'taken') return 'taken';
  const { claim, created } = claimed;
  if (created && claim.status === 'pending') await deps.workflows.checkSupportAddress({ claimId: claim.id, checks: deps.checks });
  return claim;
}
