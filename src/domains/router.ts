import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { scopedProcedure, t } from '../auth/trpc.js';
import { ApiError } from '../http/errors.js';
import { keysetPage, keysetPageInput } from '../http/pagination.js';
import { addDomain, checkDomainNow, DomainTaken, removeDomain, type DomainDeps } from './claim.js';
import { domainName, mailFromLabel } from './records.js';
import { findDomain, listDomainsPage } from './repository.js';
import { domainPosition, domainView, withSes } from './routes.js';

export type DomainRouterDeps = DomainDeps & { region: string };

// Domains decide what an organization may send as: Admins and Owners change them, every
// member of the organization may look (API keys: the admin scope either way).
const read = scopedProcedure('admin', 'Viewer');
const manage = scopedProcedure('admin', 'Admin');
const id = z.uuid();

/** The same outcomes as the REST API, in tRPC's words. */
async function answer<T>(work: Promise<T>): Promise<T> {
  try {
    return await withSes(work);
  } catch (error) {
    if (error instanceof DomainTaken) throw new TRPCError({ code: 'CONFLICT', message: error.message });
    if (error instanceof ApiError) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: error.message, cause: error });
    throw error;
  }
}

/** The dashboard's Domains page: add a domain, see its DNS records and their status, check now, delete. */
export function createDomainsRouter(deps: DomainRouterDeps) {
  const owned = async (orgId: string, domainId: string) => {
    const domain = await findDomain(deps.db, orgId, domainId);
    if (!domain) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such domain' });
    return domain;
  };

  return t.router({
    // Without input: the first page of 25, as the REST list answers.
    list: read.input(z.strictObject(keysetPageInput()).prefault({})).query(async ({ ctx, input }) => {
      const rows = await listDomainsPage(deps.db, ctx.orgId, { limit: input.limit + 1, after: input.cursor ?? undefined });
      return keysetPage(rows, input.limit, domainPosition, (domain) => domainView(domain, deps.region));
    }),

    get: read.input(z.strictObject({ id })).query(async ({ ctx, input }) => domainView(await owned(ctx.orgId, input.id), deps.region)),

    create: manage.input(z.strictObject({ name: domainName, mailFromSubdomain: mailFromLabel.optional() })).mutation(async ({ ctx, input }) => {
      const domain = await answer(addDomain(deps, ctx.orgId, { name: input.name, mailFromLabel: input.mailFromSubdomain }));
      return domainView(domain, deps.region);
    }),

    verify: manage.input(z.strictObject({ id })).mutation(async ({ ctx, input }) => {
      await checkDomainNow(deps, await owned(ctx.orgId, input.id));
      return domainView(await owned(ctx.orgId, input.id), deps.region);
    }),

    delete: manage.input(z.strictObject({ id })).mutation(async ({ ctx, input }) => {
      await answer(removeDomain(deps, await owned(ctx.orgId, input.id)));
      return { id: input.id, deleted: true };
    }),
  });
}
