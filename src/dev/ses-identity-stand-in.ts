import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SesIdentityStandIn {
  url: string;
  stop(): Promise<void>;
}

const IDENTITY_PATH = /^\/v2\/email\/identities(?:\/([^/?]+))?(\/mail-from)?(?:\?.*)?$/;

/**
 * The SES v2 identity calls `relay dev` needs and the SES emulator lacks
 * (CreateEmailIdentity, GetEmailIdentity, PutEmailIdentityMailFromAttributes,
 * DeleteEmailIdentity), answering as SES does once DNS is in place: every domain is
 * verified, so sends work locally right after `POST /api/v1/domains`. The DKIM tokens
 * come from the domain name, so a restarted stand-in answers what it answered before.
 */
export async function startSesIdentityStandIn(options: { port: number }): Promise<SesIdentityStandIn> {
  const mailFrom = new Map<string, string>();
  const tokensOf = (domain: string) => [0, 1, 2].map((n) => createHash('sha256').update(`${domain}/${n}`).digest('hex').slice(0, 32));
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const handle = (req: IncomingMessage, body: string, res: ServerResponse) => {
    const match = IDENTITY_PATH.exec(req.url ?? '');
    if (!match) return json(res, 404, { message: 'the local SES stand-in answers identity calls only' });
    const domain = match[1] ? decodeURIComponent(match[1]).toLowerCase() : undefined;
    if (req.method === 'POST' && !domain) {
      const name = String((JSON.parse(body || '{}') as { EmailIdentity?: string }).EmailIdentity ?? '').toLowerCase();
      return json(res, 200, {
        IdentityType: 'DOMAIN',
        VerifiedForSendingStatus: false,
        DkimAttributes: { SigningEnabled: true, Status: 'PENDING', Tokens: tokensOf(name), SigningAttributesOrigin: 'AWS_SES' },
      });
    }
    if (!domain) return json(res, 404, { message: 'unknown operation' });
    if (req.method === 'PUT' && match[2]) {
      const requested = (JSON.parse(body || '{}') as { MailFromDomain?: string }).MailFromDomain;
      if (requested) mailFrom.set(domain, requested);
      else mailFrom.delete(domain);
      return json(res, 200, {});
    }
    if (req.method === 'GET') {
      const customMailFrom = mailFrom.get(domain);
      return json(res, 200, {
        IdentityType: 'DOMAIN',
        VerifiedForSendingStatus: true,
        VerificationStatus: 'SUCCESS',
        DkimAttributes: { SigningEnabled: true, Status: 'SUCCESS', Tokens: tokensOf(domain), SigningAttributesOrigin: 'AWS_SES' },
        ...(customMailFrom
          ? { MailFromAttributes: { MailFromDomain: customMailFrom, MailFromDomainStatus: 'SUCCESS', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' } }
          : {}),
      });
    }
    if (req.method === 'DELETE') {
      mailFrom.delete(domain);
      return json(res, 200, {});
    }
    return json(res, 404, { message: 'unknown operation' });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handle(req, Buffer.concat(chunks).toString('utf8'), res);
      } catch {
        json(res, 400, { message: 'the request body is not JSON' });
      }
    });
  });
  await new Promise<void>((listening, fail) => {
    server.once('error', fail);
    server.listen(options.port, '127.0.0.1', () => listening());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((done) => server.close(() => done())) };
}
