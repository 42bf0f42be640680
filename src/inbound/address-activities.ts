import type { Db } from '../db/database.js';
import type { InboundMessage } from '../db/tables/inbound.js';
import { constantTimeEqual } from '../security/secrets.js';
import type { DnsResolver } from '../integrations/dns.js';
import type { SesSender } from '../integrations/ses.js';
import type { Logger } from '../observability/logger.js';
import { confirmationCodesIn, confirmationHash, newConfirmationCode, verificationRecordName } from './address-proof.js';
import { activateAddressClaim, deletePendingClaim, findAddressClaimById, findPendingClaims, setConfirmationHash } from './repository.js';

export interface SupportAddressActivityDeps {
  db: Db;
  ses: SesSender;
  dns: DnsResolver;
  logger: Logger;
  /** Where the confirmation link points (PUBLIC_URL) and whom the confirmation mail is from (RELAY_SYSTEM_FROM). */
  addressConfirmation: { publicUrl: string; from: string };
}

export type SupportAddressState = 'pending' | 'active' | 'deleted';

/** The link in the confirmation mail: opening it confirms the address. */
export function confirmationLink(publicUrl: string, claimId: string, code: string): string {
  return `${publicUrl}/api/inbound-addresses/confirm?id=${encodeURIComponent(claimId)}&code=${encodeURIComponent(code)}`;
}

/**
 * An inbound message that carries back the code Relay mailed to one of its recipients
 * proves that mail to that address reaches Relay: the claim becomes active. Returns the
 * address confirmed, if any.
 */
export async function confirmAddressByMail(db: Db, message: InboundMessage): Promise<string | undefined> {
  const codes = confirmationCodesIn([message.subject, message.text, message.html, ...message.headers.map((header) => header.value)]);
  if (codes.length === 0) return undefined;
  const hashes = codes.map(confirmationHash);
  for (const claim of await findPendingClaims(db, [...message.to, ...message.cc])) {
    const matches = hashes.some((hash) => claim.confirmation_hash && constantTimeEqual(hash, claim.confirmation_hash));
    if (matches && (await activateAddressClaim(db, claim.id, 'mail'))) return claim.address;
  }
  return undefined;
}

export function createSupportAddressActivities({ db, ses, dns, logger, addressConfirmation }: SupportAddressActivityDeps) {
  return {
    /**
     * Mails a fresh confirmation code to the claimed address; only its hash is kept, and
     * a retry mails a new code (the newest mail's code is the one that confirms).
     */
    async sendAddressConfirmation({ claimId }: { claimId: string }): Promise<{ sent: boolean }> {
      const claim = await findAddressClaimById(db, claimId);
      if (!claim || claim.status !== 'pending') return { sent: false };
      const code = newConfirmationCode();
      await setConfirmationHash(db, claimId, confirmationHash(code));
      const link = confirmationLink(addressConfirmation.publicUrl, claimId, code);
      const text = [
        `An organization asked Relay to receive the mail sent to ${claim.address}.`,
        '',
        'If that mail is forwarded to Relay already, this message has confirmed the address by arriving.',
        `Otherwise, whoever reads ${claim.address} confirms it with this link:`,
        link,
        '',
        `Confirmation code: ${code}`,
        '',
        'If nobody expected this, ignore it: nothing happens to the address unless it is confirmed.',
      ].join('\n');
      await ses.send({
        content: {
          from: addressConfirmation.from,
          to: [claim.address],
          cc: [],
          bcc: [],
          reply_to: [],
          subject: `Confirm ${claim.address} for Relay (${code})`,
          html: null,
          text,
          headers: { 'X-Relay-Address-Confirmation': code },
          attachments: [],
        },
        tags: { relay_org_id: claim.org_id, relay_kind: 'address_confirmation' },
      });
      logger.info({ orgId: claim.org_id, claimId, address: claim.address }, 'support address confirmation mailed');
      return { sent: true };
    },

    /** Where the claim stands; a pending one whose TXT record has appeared becomes active. */
    async checkSupportAddressDns({ claimId }: { claimId: string }): Promise<SupportAddressState> {
      const claim = await findAddressClaimById(db, claimId);
      if (!claim) return 'deleted';
      if (claim.status === 'active') return 'active';
      const published = await dns.txt(verificationRecordName(claim.address));
      if (!claim.dns_token || !published.includes(claim.dns_token)) return 'pending';
      if (!(await activateAddressClaim(db, claimId, 'dns'))) return (await findAddressClaimById(db, claimId))?.status === 'active' ? 'active' : 'deleted';
      logger.info({ orgId: claim.org_id, claimId, address: claim.address }, 'support address proven by DNS');
      return 'active';
    },

    /** A claim still unproven when its time is up ends: the address stays free for its owner. */
    async expireSupportAddress({ claimId }: { claimId: string }): Promise<void> {
      if (await deletePendingClaim(db, claimId)) logger.info({ claimId }, 'support address claim expired unproven');
    },
  };
}

export type SupportAddressActivities = ReturnType<typeof createSupportAddressActivities>;
