import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { RecordingServer } from './recording-server.js';

type SesStatus = 'PENDING' | 'SUCCESS' | 'FAILED';

interface FakeIdentity {
  status: SesStatus;
  tokens: string[];
  mailFrom: { domain: string; status: SesStatus } | undefined;
}

const IDENTITY_PATH = /^\/v2\/email\/identities(?:\/([^/?]+))?(\/mail-from)?$/;

/**
 * SES v2's identity API (create, get, MAIL FROM, delete) as the real SDK speaks it, with
 * each domain's verification answering what the test says: pending, success or failed.
 */
export class FakeSesIdentities extends RecordingServer {
  readonly identities = new Map<string, FakeIdentity>();
  /** When set, every call fails with this HTTP status (SES unreachable or broken). */
  failWith: number | undefined;

  constructor() {
    super((request, res) => {
      if (this.failWith) return this.fail(res, this.failWith, 'InternalFailure', 'SES is having a bad day');
      const match = IDENTITY_PATH.exec(request.path);
      if (!match) return this.fail(res, 404, 'NotFoundException', 'unknown operation');
      const domain = match[1] ? decodeURIComponent(match[1]) : undefined;
      if (request.method === 'POST' && !domain) {
        const name = (JSON.parse(request.body) as { EmailIdentity: string }).EmailIdentity;
        if (this.identities.has(name)) return this.fail(res, 400, 'AlreadyExistsException', `Email identity ${name} already exist.`);
        const identity: FakeIdentity = { status: 'PENDING', tokens: [0, 1, 2].map(() => randomBytes(16).toString('hex')), mailFrom: undefined };
        this.identities.set(name, identity);
        return this.ok(res, { IdentityType: 'DOMAIN', VerifiedForSendingStatus: false, DkimAttributes: this.dkim(identity) });
      }
      const identity = domain ? this.identities.get(domain) : undefined;
      if (!domain || !identity) return this.fail(res, 404, 'NotFoundException', `Email identity ${domain} does not exist.`);
      if (request.method === 'PUT' && match[2]) {
        identity.mailFrom = { domain: (JSON.parse(request.body) as { MailFromDomain: string }).MailFromDomain, status: 'PENDING' };
        return this.ok(res, {});
      }
      if (request.method === 'GET') {
        return this.ok(res, {
          IdentityType: 'DOMAIN',
          VerifiedForSendingStatus: identity.status === 'SUCCESS',
          VerificationStatus: identity.status,
          DkimAttributes: this.dkim(identity),
          ...(identity.mailFrom
            ? {
                MailFromAttributes: {
                  MailFromDomain: identity.mailFrom.domain,
                  MailFromDomainStatus: identity.mailFrom.status,
                  BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
                },
              }
            : {}),
        });
      }
      if (request.method === 'DELETE') {
        this.identities.delete(domain);
        return this.ok(res, {});
      }
      return this.fail(res, 404, 'NotFoundException', 'unknown operation');
    });
  }

  /** What SES says of the domain from now on (its DKIM and, when set, its MAIL FROM). */
  answer(domain: string, status: 'pending' | 'success' | 'failed'): void {
    const identity = this.identities.get(domain);
    if (!identity) throw new Error(`the fake has no identity ${domain}`);
    identity.status = status.toUpperCase() as SesStatus;
    if (identity.mailFrom) identity.mailFrom.status = identity.status;
  }

  /** An identity the SES account already has, made outside Relay. */
  preexisting(domain: string, status: 'pending' | 'success' = 'success'): void {
    this.identities.set(domain, { status: status.toUpperCase() as SesStatus, tokens: ['aaaa', 'bbbb', 'cccc'], mailFrom: undefined });
  }

  /** How many GetEmailIdentity calls the domain has had. */
  checksOf(domain: string): number {
    return this.requests.filter((request) => request.method === 'GET' && request.path === `/v2/email/identities/${encodeURIComponent(domain)}`).length;
  }

  private dkim(identity: FakeIdentity) {
    return { SigningEnabled: true, Status: identity.status, Tokens: identity.tokens, SigningAttributesOrigin: 'AWS_SES' };
  }

  private ok(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, status: number, name: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` });
    res.end(JSON.stringify({ message }));
  }
}
