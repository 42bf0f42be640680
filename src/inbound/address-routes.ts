import { Router } from 'express';
import { z } from 'zod';
import { principalOf, requireApiKey, type ApiKeyLookup } from '../auth/api-keys.js';
import { ApiError } from '../http/errors.js';
import { sendMessagePage } from '../http/message-page.js';
import { parseOr400 } from '../http/validate.js';
import { constantTimeEqual } from '../security/secrets.js';
import { claimSupportAddress, type AddressClaimDeps } from './address-claims.js';
import { confirmationHash, verificationRecordName } from './address-proof.js';
import { activateAddressClaim, deleteInboundAddress, findAddressClaim, findAddressClaimById, listInboundAddresses, type AddressClaim } from './repository.js';
import { inboundAddressRequest } from './schemas.js';

export interface AddressRouteDeps extends AddressClaimDeps {
  apiKeys: ApiKeyLookup;
}

function addressView(claim: AddressClaim) {
  return {
    address: claim.address,
    status: claim.status,
    verified_by: claim.verified_by,
    verified_at: claim.verified_at?.toISOString() ?? null,
    // Either proof will do, whichever the organization can give first.
    verification:
      claim.status === 'pending'
        ? {
            mail: 'a confirmation code was mailed to the address: forward it into Relay, or open its link',
            dns: { type: 'TXT', name: verificationRecordName(claim.address), value: claim.dns_token },
          }
        : null,
    created_at: claim.created_at.toISOString(),
  };
}

/**
 * The organization's support addresses. A claim is active at once when a verified
 * sending domain of the organization covers it; otherwise it is pending until a code
 * mailed to the address comes back (inbound mail or the link) or a TXT record appears on
 * its domain. Pending claims never route mail and never block another organization.
 */
export function inboundAddressRoutes(deps: AddressRouteDeps): Router {
  const { db, apiKeys } = deps;
  const router = Router();

  router.get('/api/v1/inbound-addresses', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    res.json({ data: (await listInboundAddresses(db, orgId)).map(addressView) });
  });

  router.post('/api/v1/inbound-addresses', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    const { address } = parseOr400(inboundAddressRequest, req.body, 'inbound address');
    const claim = await claimSupportAddress(deps, orgId, address);
    if (claim === 'taken') throw new ApiError('conflict', 'this address belongs to another organization');
    res.status(201).json(addressView(claim));
  });

  router.post('/api/v1/inbound-addresses/:address/verify', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const claim = await findAddressClaim(db, principalOf(req).orgId, req.params.address as string);
    if (!claim) throw new ApiError('not_found', 'no such inbound address');
    if (claim.status === 'pending') await deps.workflows.checkSupportAddress({ claimId: claim.id, checks: deps.checks });
    res.status(202).json(addressView(claim));
  });

  router.delete('/api/v1/inbound-addresses/:address', requireApiKey(apiKeys, 'admin'), async (req, res) => {
    const { orgId } = principalOf(req);
    if (!(await deleteInboundAddress(db, orgId, req.params.address as string))) throw new ApiError('not_found', 'no such inbound address');
    res.status(204).end();
  });

  // The link in the confirmation mail, opened by whoever reads the address.
  router.get('/api/inbound-addresses/confirm', async (req, res) => {
    const query = z.object({ id: z.string().max(64), code: z.string().max(128) }).safeParse(req.query);
    const claim = query.success ? await findAddressClaimById(db, query.data.id) : undefined;
    const valid =
      query.success && claim?.status === 'pending' && claim.confirmation_hash && constantTimeEqual(confirmationHash(query.data.code), claim.confirmation_hash);
    if (!valid || !claim)
      return sendMessagePage(
        res,
        404,
        claim?.status === 'active' ? `${claim.address} is already confirmed.` : 'This confirmation link is not valid (any more).',
      );
    if (!(await activateAddressClaim(db, claim.id, 'link'))) return sendMessagePage(res, 409, 'This address has been confirmed for another organization.');
    await deps.workflows.checkSupportAddress({ claimId: claim.id, checks: deps.checks });
    sendMessagePage(res, 200, `${claim.address} is confirmed: Relay now receives its mail for the organization that asked.`);
  });

  return router;
}
