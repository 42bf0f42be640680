import type { ProductRoute } from '../integrations/products.js';

export type { ProductRoute };

/** Where an inbound message goes, decided by its recipients (pure). */
export type InboundRoute = ProductRoute | { target: 'helpdesk'; orgIds: string[] } | { target: 'none' };

/** One message reaches at most this many organizations' helpdesks (each gets its own ticket). */
export const MAX_ROUTED_ORGANIZATIONS = 25;

const PLUS_ADDRESS = /^(ticket|support|crm|portal)\+([A-Za-z0-9_.-]{1,128})$/i;

/**
 * Plus-addresses on the inbound domain route to the products (the first recipient that
 * matches wins); otherwise the message goes to the helpdesk of every organization whose
 * support address it is addressed to, in the order of its recipients.
 */
export function routeInbound(recipients: readonly string[], inboundDomain: string, supportAddressOwner: (address: string) => string | undefined): InboundRoute {
  const domain = inboundDomain.toLowerCase();
  for (const recipient of recipients) {
    const at = recipient.lastIndexOf('@');
    if (recipient.slice(at + 1).toLowerCase() !== domain) continue;
    // The id after "+" keeps its case: product ids (CRM contacts) can be case-sensitive.
    const match = PLUS_ADDRESS.exec(recipient.slice(0, at));
    if (!match) continue;
    const kind = match[1]!.toLowerCase();
    const id = match[2]!;
    if (kind === 'ticket') return { target: 'psa_note', ticketId: id };
    if (kind === 'support') return { target: 'psa_ticket', tenant: id };
    if (kind === 'crm') return { target: 'crm_activity', contactId: id };
    return { target: 'portal_reply', ticketId: id };
  }
  const orgIds = new Set<string>();
  for (const recipient of recipients) {
    const orgId = supportAddressOwner(recipient.toLowerCase());
    if (orgId && orgIds.size < MAX_ROUTED_ORGANIZATIONS) orgIds.add(orgId);
  }
  return orgIds.size > 0 ? { target: 'helpdesk', orgIds: [...orgIds] } : { target: 'none' };
}
