import { randomSecret, sha256 } from '../security/secrets.js';

/**
 * How an organization proves a support address is its own, besides a verified sending
 * domain that covers it: a code mailed to the address comes back (forwarded into Relay's
 * inbound mail, or through the link in the mail), or a TXT record appears on its domain.
 */

const CODE = /relay-confirm-[A-Za-z0-9_-]{32}/g;

/** A confirmation code: 24 random bytes, recognisable in any text that carries it back. */
export function newConfirmationCode(): string {
  return `relay-confirm-${randomSecret(24)}`;
}

export function confirmationHash(code: string): Buffer {
  return sha256(code);
}

/** Every confirmation code in the texts (subject, bodies, headers of an inbound message). */
export function confirmationCodesIn(texts: readonly (string | null | undefined)[]): string[] {
  return [...new Set(texts.flatMap((text) => (text ? [...text.matchAll(CODE)].map((match) => match[0]) : [])))];
}

/** The TXT record value that proves the claim; unguessable, so only the claimant can publish it. */
export function newDnsToken(): string {
  return `relay-address-verification=${randomSecret(18)}`;
}

export function addressDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Where the TXT record goes: beside the domain's other records, under a name of Relay's own. */
export function verificationRecordName(address: string): string {
  return `_relay-verification.${addressDomain(address)}`;
}
