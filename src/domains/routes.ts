import { ApplicationFailure } from '@temporalio/common';
import { Router } from 'express';
import { z } from 'zod';
import type { Domain } from '../db/tables/domains.js';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { keysetCursorSchema, keysetPage, pageLimitParameter } from '../http/pagination.js';
import { parseOr400 } from '../http/validate.js';
import { addDomain, checkDomainNow, DomainTaken, removeDomain, type DomainDeps } from './claim.js';
import { dnsRecordsOf, domainName, mailFromLabel } from './records.js';
import { findDomain, listDomainsPage } from './repository.js';

export const addDomainRequest = z.strictObject({
  name: domainName,
  /** Bounces and complaints go through `<label>.<name>` (SPF alignment); SES's own domain when absent. */
  mail_from_subdomain: mailFromLabel.optional(),
});

export const listDomainsQuery = z.strictObject({ limit: pageLimitParameter, cursor: keysetCursorSchema().optional() });

/** Where a domain stands in its list (newest first): what its page's cursor names. */
export const domainPosition = (domain: Domain) => ({ at: domain.created_at, id: domain.id });

/** What the API answers about a domain: its state and the DNS records to publish, each with its status. */
export function domainView(domain: Domain, region: string) {
  return {
    id: domain.id,
    name: domain.name,
    status: domain.status,
    records: dnsRecordsOf(domain, region),
    last_checked_at: domain.last_checked_at?.toISOString() ?? null,
    verified_at: domain.verified_at?.toISOString() ?? null,
    failed_at: domain.failed_at?.toISOString() ?? null,
    created_at: domain.created_at.toISOString(),
  };
}

/** SES unreachable or refusing: the request changed nothing and may be repeated. */
export async function withSes<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof ApplicationFailure)) throw error;
    throw new ApiError('service_unavailable', 'SES did not complete the request; nothing was changed, try again', {
      cause: error.message,
    });
  }
}

/** Sending domains (scope admin): add, list, look at, check now, delete. */
export function domainRoutes(deps: DomainDeps & { apiKeys: ApiKeyLookup; region: string }): Router {
  const { db, apiKeys, region } = deps;
  const router = Router();
  const owned = async (orgId: string, id: string) => {
    const domain = await findDomain(db, orgId, id);
    if (!domain) throw new ApiError('not_found', 'no such domain');
    return domain;
  };

  router.post('/api/v1/domains', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const request = parseOr400(addDomainRequest, req.body, 'domain');
    try {
      const domain = await withSes(addDomain(deps, orgId, { name: request.name, mailFromLabel: request.mail_from_subdomain }));
      res.status(201).json(domainView(domain, region));
    } catch (error) {
      // Which organization holds the name is never said.
      if (error instanceof DomainTaken) throw new ApiError('conflict', error.message);
      throw error;
    }
  });

  router.get('/api/v1/domains', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const query = parseOr400(listDomainsQuery, req.query, 'query');
    const rows = await listDomainsPage(db, orgId, { limit: query.limit + 1, after: query.cursor });
    const page = keysetPage(rows, query.limit, domainPosition, (domain) => domainView(domain, region));
    res.json({ data: page.items, next_cursor: page.nextCursor });
  });

  router.get('/api/v1/domains/:id', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    res.json(domainView(await owned(principalOf(req).orgId, req.params.id as string), region));
  });

  router.post('/api/v1/domains/:id/verify', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const domain = await owned(orgId, req.params.id as string);
    await checkDomainNow(deps, domain);
    res.status(202).json(domainView(await owned(orgId, domain.id), region));
  });

  router.delete('/api/v1/domains/:id', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const domain = await owned(principalOf(req).orgId, req.params.id as string);
    await withSes(removeDomain(deps, domain));
    res.status(204).end();
  });

  return router;
}
