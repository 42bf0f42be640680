import {
  AlreadyExistsException,
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  PutEmailIdentityMailFromAttributesCommand,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { ApplicationFailure } from '@temporalio/common';
import { classifySesError } from './ses.js';

/** Where one part of an identity's verification stands, in Relay's words. */
export type VerificationState = 'pending' | 'verified' | 'failed';

export interface SesIdentity {
  /** SES lets the account send from the domain (and its subdomains). */
  verifiedForSending: boolean;
  dkim: { state: VerificationState; tokens: string[] };
  mailFrom: { domain: string; state: VerificationState } | null;
}

/** The SES v2 identity calls behind sending domains (Easy DKIM). */
export interface SesIdentities {
  /** Creates the domain identity with Easy DKIM; throws IdentityAlreadyExists when the account has it. */
  create(domain: string): Promise<{ dkimTokens: string[] }>;
  /** The identity as SES sees it now; undefined when the account has no such identity. */
  get(domain: string): Promise<SesIdentity | undefined>;
  /** Sends bounces and complaints through `mailFromDomain` (a subdomain of `domain`): SPF alignment for DMARC. */
  setMailFrom(domain: string, mailFromDomain: string): Promise<void>;
  /** Deletes the identity; one that does not exist is already deleted. */
  delete(domain: string): Promise<void>;
}

export class IdentityAlreadyExists extends Error {
  override name = 'IdentityAlreadyExists';
}

/**
 * Every SES failure as an ApplicationFailure: permanent refusals non-retryable (the SES
 * client's rules), anything else (throttling, outages, the network) retryable. Callers
 * outside Temporal (the API) tell SES trouble from their own by this type.
 */
function sesFailure(error: unknown): ApplicationFailure {
  const classified = classifySesError(error);
  if (classified instanceof ApplicationFailure) return classified;
  return ApplicationFailure.retryable(`SES identity call failed: ${(classified as Error).message ?? String(classified)}`, 'SesUnavailable');
}

// SES reports PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE or NOT_STARTED; a temporary
// failure (a DNS hiccup) is retried by SES, so it is still pending here.
function stateOf(status: string | undefined): VerificationState {
  if (status === 'SUCCESS') return 'verified';
  if (status === 'FAILED') return 'failed';
  return 'pending';
}

export function createSesIdentities(client: SESv2Client): SesIdentities {
  return {
    async create(domain) {
      try {
        const created = await client.send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
        return { dkimTokens: created.DkimAttributes?.Tokens ?? [] };
      } catch (error) {
        if (error instanceof AlreadyExistsException) throw new IdentityAlreadyExists(`SES already has an identity for ${domain}`);
        throw sesFailure(error);
      }
    },

    async get(domain) {
      try {
        const identity = await client.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
        const mailFrom = identity.MailFromAttributes;
        return {
          verifiedForSending: identity.VerifiedForSendingStatus === true,
          dkim: { state: stateOf(identity.DkimAttributes?.Status), tokens: identity.DkimAttributes?.Tokens ?? [] },
          mailFrom: mailFrom?.MailFromDomain ? { domain: mailFrom.MailFromDomain, state: stateOf(mailFrom.MailFromDomainStatus) } : null,
        };
      } catch (error) {
        if (error instanceof NotFoundException) return undefined;
        throw sesFailure(error);
      }
    },

    async setMailFrom(domain, mailFromDomain) {
      try {
        // When the MX record is missing SES falls back to its own MAIL FROM rather than
        // refusing to send: a missing record costs alignment, never delivery.
        await client.send(
          new PutEmailIdentityMailFromAttributesCommand({ EmailIdentity: domain, MailFromDomain: mailFromDomain, BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' }),
        );
      } catch (error) {
        throw sesFailure(error);
      }
    },

    async delete(domain) {
      try {
        await client.send(new DeleteEmailIdentityCommand({ EmailIdentity: domain }));
      } catch (error) {
        if (error instanceof NotFoundException) return;
        throw sesFailure(error);
      }
    },
  };
}
