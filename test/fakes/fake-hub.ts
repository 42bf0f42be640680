import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { RecordingServer } from './recording-server.js';

/**
 * Hub, as Relay's SSO contract describes it: it exchanges one-time JTIs for a signed
 * identity and says whether a session is still live. Tests issue JTIs and end sessions.
 */
export class FakeHub extends RecordingServer {
  private readonly jtis = new Map<string, { sub: string; sid: string; org_id: string; email: string; name: string; role?: string }>();
  readonly endedSessions = new Set<string>();

  constructor(private readonly secret: string) {
    super((request, res) => {
      if (request.headers.authorization !== `Bearer ${this.secret}`) return void res.writeHead(401).end();
      if (request.method === 'POST' && request.path === '/api/sso/exchange') {
        const { jti } = JSON.parse(request.body) as { jti: string };
        const identity = this.jtis.get(jti);
        this.jtis.delete(jti);
        if (!identity) return void res.writeHead(404).end('{"error":"unknown jti"}');
        void new SignJWT({ ...identity })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('hub')
          .setAudience('relay')
          .setIssuedAt()
          .setExpirationTime('2m')
          .sign(new TextEncoder().encode(this.secret))
          .then((token) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token })));
        return;
      }
      const session = /^\/api\/sso\/sessions\/(.+)$/.exec(request.path);
      if (request.method === 'GET' && session) {
        const active = !this.endedSessions.has(decodeURIComponent(session[1]!));
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ active }));
      }
      res.writeHead(404).end();
    });
  }

  /** A one-time JTI for this user, as Hub would put it in the SSO link (no `role` claim unless given). */
  issueJti(user: { hubUserId: string; orgId: string; email?: string; role?: string }): { jti: string; sid: string } {
    const jti = randomBytes(16).toString('hex');
    const sid = `sess-${randomBytes(6).toString('hex')}`;
    this.jtis.set(jti, {
      sub: user.hubUserId,
      sid,
      org_id: user.orgId,
      email: user.email ?? `${user.hubUserId}@acme.example`,
      name: 'Pat Seller',
      ...(user.role ? { role: user.role } : {}),
    });
    return { jti, sid };
  }
}
