import type { Db } from '../db/database.js';
import type { Domain } from '../db/tables/domains.js';
import { IdentityAlreadyExists, type SesIdentities } from '../integrations/ses-identities.js';
import type { VerifyDomainInput } from '../temporal/inputs.js';
import type { WorkflowStarter } from '../temporal/workflow-starter.js';
import { deleteDomain, findDomainHolder, recordDomainIdentity, releaseFailedDomain, reopenDomain, reserveDomain } from './repository.js';

export interface DomainDeps {
  db: Db;
  sesIdentities: SesIdentities;
  workflows: Pick<WorkflowStarter, 'checkDomain' | 'stopDomainVerification'>;
  checks: VerifyDomainInput['checks'];
}

/** The name is held (by this organization, another one, or an SES identity Relay did not create). */
export class DomainTaken extends Error {
  override name = 'DomainTaken';
}

/**
 * Claims a domain for the organization: reserves the name (one organization per domain),
 * creates the SES identity with Easy DKIM (and the custom MAIL FROM when asked), then
 * starts `domain-<id>`, which polls SES until the organization's DNS records are seen.
 * A failed claim of another organization gives way, so nobody squats a name for longer
 * than the verification window. `adoptExisting` (operators only) takes over an identity
 * the SES account already has, e.g. one verified before Relay managed domains.
 */
export async function addDomain(
  deps: DomainDeps,
  orgId: string,
  request: { name: string; mailFromLabel?: string },
  options: { adoptExisting?: boolean } = {},
): Promise<Domain> {
  const { db, sesIdentities } = deps;
  const holder = await findDomainHolder(db, request.name);
  if (holder?.orgId === orgId) throw new DomainTaken('this organization already has this domain');
  if (holder && !(holder.status === 'failed' && (await releaseFailedDomain(db, holder.id)))) {
    throw new DomainTaken('this domain belongs to another organization');
  }
  if (holder) await sesIdentities.delete(request.name);

  const reserved = await reserveDomain(db, orgId, request.name);
  if (!reserved) throw new DomainTaken('this domain belongs to another organization');
  let createdIdentity = false;
  try {
    let dkimTokens: string[];
    try {
      ({ dkimTokens } = await sesIdentities.create(request.name));
      createdIdentity = true;
    } catch (error) {
      if (!(error instanceof IdentityAlreadyExists) || !options.adoptExisting) throw error;
      dkimTokens = (await sesIdentities.get(request.name))?.dkim.tokens ?? [];
    }
    const mailFromDomain = request.mailFromLabel ? `${request.mailFromLabel}.${request.name}` : null;
    if (mailFromDomain) await sesIdentities.setMailFrom(request.name, mailFromDomain);
    const domain = await recordDomainIdentity(db, orgId, reserved.id, { dkimTokens, mailFromDomain });
    await deps.workflows.checkDomain({ orgId, domainId: domain.id, checks: deps.checks });
    return domain;
  } catch (error) {
    // Nothing half-made stays behind: the name is free again, and an identity made here is gone.
    if (createdIdentity) await sesIdentities.delete(request.name).catch(() => undefined);
    await deleteDomain(db, orgId, reserved.id);
    if (error instanceof IdentityAlreadyExists) throw new DomainTaken('this domain is already in use');
    throw error;
  }
}

/** "Check now": a pending domain is checked at once; a failed one is verified again from the start. */
export async function checkDomainNow(deps: DomainDeps, domain: Domain): Promise<void> {
  if (domain.status === 'verified') return;
  if (domain.status === 'failed') await reopenDomain(deps.db, domain.org_id, domain.id);
  await deps.workflows.checkDomain({ orgId: domain.org_id, domainId: domain.id, checks: deps.checks });
}

/** Deletes the domain, its SES identity and its verification: nothing more is sent from it. */
export async function removeDomain(deps: DomainDeps, domain: Domain): Promise<void> {
  await deps.sesIdentities.delete(domain.name);
  await deleteDomain(deps.db, domain.org_id, domain.id);
  await deps.workflows.stopDomainVerification(domain.id);
}
