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

  /**
   * What Hub's sign-in page does for a user already signed in to Hub: it sends the browser
   * back to Relay's SSO endpoint with a fresh JTI, the path, and the `state` Relay gave it.
   */
  completeLogin(loginUrl: string, user: { hubUserId: string; orgId: string; email?: string; role?: string }): { url: string; sid: string } {
    const login = new URL(loginUrl);
    const returnTo = new URL(login.searchParams.get('return_to')!);
    const { jti, sid } = this.issueJti(user);
    const back = new URLSearchParams({ jti, return_to: `${returnTo.pathname}${returnTo.search}` });
    const state = login.searchParams.get('state');
    if (state !== null) back.set('state', state);
    return { url: `${returnTo.origin}/api/portal/sso?${back}`, sid };
  }

  /**
   * A browser signing in to Relay: Relay's sign-in link, Hub (see completeLogin), and back
   * to Relay with the state cookie Relay set. The last answer is Relay's.
   */
  async signIn(relayUrl: string, user: { hubUserId: string; orgId: string; email?: string; role?: string }, returnTo = '/after') {
    const login = await fetch(`${relayUrl}/api/portal/login?return_to=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
    const stateCookie = /relay_sso_state=[^;]*/.exec(login.headers.get('set-cookie') ?? '')?.[0];
    const { url, sid } = this.completeLogin(login.headers.get('location')!, user);
    const response = await fetch(url, { redirect: 'manual', headers: stateCookie ? { cookie: stateCookie } : {} });
    const cookie = /relay_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
    return { response, cookie, sid };
  }
}
