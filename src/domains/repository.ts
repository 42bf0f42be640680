import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.js';
import type { Domain, DomainStatus } from '../db/tables/domains.js';
import { isUuid } from '../db/uuid.js';

/**
 * Reserves a domain name for the organization (pending, no SES identity yet); undefined
 * when any organization holds the name already.
 */
export async function reserveDomain(db: DbOrTrx, orgId: string, name: string): Promise<Domain | undefined> {
  return db
    .insertInto('domains')
    .values({
      id: randomUUID(),
      org_id: orgId,
      name,
      mail_from_domain: null,
      mail_from_status: null,
      last_checked_at: null,
      verified_at: null,
      failed_at: null,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Who holds a name, across organizations: claims need to know whether it is taken. Only
 * the owner and the status leave this function, never another organization's details.
 */
export async function findDomainHolder(db: DbOrTrx, name: string): Promise<{ id: string; orgId: string; status: DomainStatus } | undefined> {
  const row = await db.selectFrom('domains').select(['id', 'org_id', 'status']).where('name', '=', name).executeTakeFirst();
  return row && { id: row.id, orgId: row.org_id, status: row.status };
}

/** Frees a name whose claim failed, so another organization can claim it; false when it changed meanwhile. */
export async function releaseFailedDomain(db: DbOrTrx, id: string): Promise<boolean> {
  const result = await db.deleteFrom('domains').where('id', '=', id).where('status', '=', 'failed').executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function recordDomainIdentity(
  db: DbOrTrx,
  orgId: string,
  id: string,
  identity: { dkimTokens: string[]; mailFromDomain: string | null },
): Promise<Domain> {
  return db
    .updateTable('domains')
    .set({
      dkim_tokens: identity.dkimTokens,
      mail_from_domain: identity.mailFromDomain,
      mail_from_status: identity.mailFromDomain ? 'pending' : null,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findDomain(db: DbOrTrx, orgId: string, id: string): Promise<Domain | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('domains').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findDomainByName(db: DbOrTrx, orgId: string, name: string): Promise<Domain | undefined> {
  return db.selectFrom('domains').selectAll().where('org_id', '=', orgId).where('name', '=', name).executeTakeFirst();
}

/** Every organization's domains, or one organization's: the operators' view (`relay domains list`). */
export async function listDomains(db: DbOrTrx, orgId: string | null): Promise<Domain[]> {
  let query = db.selectFrom('domains').selectAll();
  if (orgId !== null) query = query.where('org_id', '=', orgId);
  return query.orderBy('name').execute();
}

/** One page of the organization's domains, newest first, after `page.after` (the last one shown). */
export async function listDomainsPage(db: DbOrTrx, orgId: string, page: { limit: number; after?: { at: Date; id: string } }): Promise<Domain[]> {
  let query = db.selectFrom('domains').selectAll().where('org_id', '=', orgId);
  if (page.after) query = query.where(sql<boolean>`(created_at, id) < (${page.after.at}, ${page.after.id})`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

/** The names the organization may send from (with their subdomains). */
export async function listVerifiedDomainNames(db: DbOrTrx, orgId: string): Promise<string[]> {
  const rows = await db.selectFrom('domains').select('name').where('org_id', '=', orgId).where('status', '=', 'verified').execute();
  return rows.map((row) => row.name);
}

/** What one check saw, per record. */
export async function recordDomainCheck(
  db: DbOrTrx,
  orgId: string,
  id: string,
  seen: { dkimStatus: DomainStatus; mailFromStatus: DomainStatus | null; dmarcFound: boolean },
): Promise<void> {
  await db
    .updateTable('domains')
    .set({
      dkim_status: seen.dkimStatus,
      ...(seen.mailFromStatus ? { mail_from_status: seen.mailFromStatus } : {}),
      dmarc_status: seen.dmarcFound ? 'found' : 'missing',
      last_checked_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/** Ends a pending verification; false when the domain is gone or was no longer pending (a retried step). */
export async function finishDomainVerification(db: DbOrTrx, orgId: string, id: string, outcome: 'verified' | 'failed'): Promise<Domain | undefined> {
  return db
    .updateTable('domains')
    .set({ status: outcome, ...(outcome === 'verified' ? { verified_at: sql`now()` } : { failed_at: sql`now()` }), updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** A failed domain checked again is pending again. */
export async function reopenDomain(db: DbOrTrx, orgId: string, id: string): Promise<void> {
  await db
    .updateTable('domains')
    .set({ status: 'pending', failed_at: null, updated_at: sql`now()` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .execute();
}

export async function deleteDomain(db: DbOrTrx, orgId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db.deleteFrom('domains').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A domain verified without the SES round trip: the organizations the tests and the benchmark set up. */
export async function insertVerifiedDomain(db: DbOrTrx, orgId: string, name: string, dkimTokens: string[] = []): Promise<Domain> {
  return db
    .insertInto('domains')
    .values({
      id: randomUUID(),
      org_id: orgId,
      name,
      status: 'verified',
      dkim_tokens: dkimTokens,
      dkim_status: 'verified',
      mail_from_domain: null,
      mail_from_status: null,
      last_checked_at: null,
      verified_at: sql<Date>`now()`,
      failed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
