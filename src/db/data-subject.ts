/**
 * The person a privacy request (a GDPR data request or redaction) is about, in one
 * organization: the identifiers each capability finds its own records by. The helpdesk
 * builds it from its customers (commerce/gdpr.ts orchestrates); every capability then
 * exports or redacts what its tables hold about it (see their index.ts).
 */
export interface DataSubject {
  orgId: string;
  /** Helpdesk customers who are this person (by email, phone or a provider's customer id). */
  customerIds: string[];
  /** Lower-cased email addresses. */
  emails: string[];
  /** Phone numbers as stored (E.164). */
  phones: string[];
  /** The tickets of those customers: conversations, calls and channel messages in them are theirs. */
  ticketIds: string[];
  /** Inbound messages threaded into those tickets. */
  inboundIds: string[];
}

/** What a redaction leaves where free text or a name was. */
export const REDACTED = '[redacted]';
