import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { SignJWT } from 'jose';
import { HUB_ROLES, type HubRole } from '../auth/roles.js';
import { constantTimeEqual } from '../security/secrets.js';

/**
 * A development Hub for `relay dev` (never part of `relay api`), on loopback: the Hub
 * endpoints Relay calls (docs/integrations.md, Hub SSO) and a sign-in page where a
 * developer picks an organization, a demo user and a Hub role, then goes through Relay's
 * real /api/portal/sso. Its sessions live in memory: after a restart, sign in again.
 */
export interface DevHub {
  url: string;
  ssoSecret: string;
  /** Hub organizations offered on the sign-in page; each must also be a Relay organization with the same id. */
  addOrganization(organization: DevHubOrganization): void;
  stop(): Promise<void>;
}

export interface DevHubOrganization {
  id: string;
  name: string;
}

export const DEMO_USERS = [
  { key: 'ada', name: 'Ada Lovelace', email: 'ada@demo.example' },
  { key: 'grace', name: 'Grace Hopper', email: 'grace@demo.example' },
  { key: 'alan', name: 'Alan Turing', email: 'alan@demo.example' },
] as const;

interface Identity {
  sub: string;
  sid: string;
  org_id: string;
  email: string;
  name: string;
  role: HubRole;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(res: Response, status: number, title: string, body: string, formTargets: string) {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Chrome applies form-action to the redirect after a post too: Relay's origin is where sign-in lands.
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${formTargets}; frame-ancestors 'none'`,
    })
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>` +
        '<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}fieldset{border:1px solid #ccc;border-radius:8px;margin:0 0 1rem;padding:.75rem 1rem}label{display:block;padding:.25rem 0}select,button{font:inherit;padding:.4rem .6rem}button{background:#1c7ed6;color:#fff;border:0;border-radius:6px;cursor:pointer}.note{color:#555;font-size:.9rem}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem;border-bottom:1px solid #eee}</style>' +
        `</head><body><p class="note">Development Hub: stands in for Hub on this machine only.</p>${body}</body></html>`,
    );
}

export async function startDevHub(options: { port: number; relayUrl: string; organizations: DevHubOrganization[] }): Promise<DevHub> {
  const ssoSecret = randomBytes(32).toString('base64url');
  const key = new TextEncoder().encode(ssoSecret);
  const relay = new URL(options.relayUrl);
  const organizations = new Map(options.organizations.map((organization) => [organization.id, organization]));
  const pendingJtis = new Map<string, Identity>();
  const sessions = new Map<string, { identity: Identity; active: boolean; startedAt: Date }>();

  const authorized = (req: Request) => constantTimeEqual(Buffer.from(req.get('authorization') ?? ''), Buffer.from(`Bearer ${ssoSecret}`));

  /** Only back to Relay, as a path: the dev Hub is no open redirect either. */
  const relayPath = (returnTo: unknown): string | undefined => {
    if (typeof returnTo !== 'string') return undefined;
    try {
      const url = new URL(returnTo);
      return url.origin === relay.origin ? `${url.pathname}${url.search}` : undefined;
    } catch {
      return undefined;
    }
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(express.json({ limit: '16kb' }));

  app.get('/sso/login', (req, res) => {
    const returnTo = relayPath(req.query.return_to) === undefined ? `${relay.origin}/` : String(req.query.return_to);
    // Relay's state goes back to it unchanged: it binds the sign-in to the browser that started it.
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const orgOptions = [...organizations.values()].map((org) => `<option value="${escapeHtml(org.id)}">${escapeHtml(org.name)}</option>`).join('');
    const users = DEMO_USERS.map(
      (user, index) =>
        `<label><input type="radio" name="user" value="${user.key}"${index === 0 ? ' checked' : ''}> ${escapeHtml(user.name)} &lt;${user.email}&gt;</label>`,
    ).join('');
    const roles = [...HUB_ROLES]
      .reverse()
      .map((role) => `<label><input type="radio" name="role" value="${role}"${role === 'Admin' ? ' checked' : ''}> ${role}</label>`)
      .join('');
    page(
      res,
      200,
      'Sign in to Relay',
      `<h1>Hub: sign in to Relay</h1>
<form method="post" action="/sso/login">
<input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">
<input type="hidden" name="state" value="${escapeHtml(state)}">
<p><label for="org">Organization</label><select id="org" name="org_id">${orgOptions}</select></p>
<fieldset><legend>Demo user</legend>${users}</fieldset>
<fieldset><legend>Role</legend>${roles}</fieldset>
<button type="submit">Sign in</button>
</form>
<p class="note"><a href="/sso/sessions">Hub sessions</a>: end one to see Relay send its user back to sign-in.</p>`,
      relay.origin,
    );
  });

  app.post('/sso/login', (req, res) => {
    const body = req.body as Record<string, unknown>;
    const organization = organizations.get(String(body.org_id));
    const user = DEMO_USERS.find((candidate) => candidate.key === body.user);
    const role = HUB_ROLES.find((candidate) => candidate === body.role);
    const path = relayPath(body.return_to);
    if (!organization || !user || !role || !path)
      return page(res, 400, 'Sign-in refused', '<h1>Sign-in refused</h1><p>Pick an organization, a user and a role.</p>', relay.origin);
    const identity: Identity = {
      sub: `dev:${organization.id}:${user.key}`,
      sid: `dev-session-${randomBytes(8).toString('hex')}`,
      org_id: organization.id,
      email: user.email,
      name: user.name,
      role,
    };
    const jti = randomBytes(24).toString('base64url');
    pendingJtis.set(jti, identity);
    sessions.set(identity.sid, { identity, active: true, startedAt: new Date() });
    // The link Hub gives a user who picks Relay: Relay exchanges the JTI with us.
    const back = new URLSearchParams({ jti, return_to: path });
    if (typeof body.state === 'string' && body.state) back.set('state', body.state);
    res.redirect(303, `${relay.origin}/api/portal/sso?${back}`);
  });

  app.get('/sso/sessions', (_req, res) => {
    const rows = [...sessions.values()]
      .map(({ identity, active, startedAt }) => {
        const org = organizations.get(identity.org_id)?.name ?? identity.org_id;
        const action = active
          ? `<form method="post" action="/sso/sessions/${identity.sid}/end"><button type="submit" aria-label="End ${escapeHtml(identity.name)}'s session in ${escapeHtml(org)}">End session</button></form>`
          : 'ended';
        return `<tr><td>${escapeHtml(identity.name)}</td><td>${escapeHtml(org)}</td><td>${identity.role}</td><td>${startedAt.toISOString().slice(11, 19)}</td><td>${action}</td></tr>`;
      })
      .join('');
    page(
      res,
      200,
      'Hub sessions',
      `<h1>Hub sessions</h1><table><thead><tr><th>User</th><th>Organization</th><th>Role</th><th>Started (UTC)</th><th></th></tr></thead><tbody>${rows || '<tr><td colspan="5">None yet.</td></tr>'}</tbody></table>`,
      relay.origin,
    );
  });

  app.post('/sso/sessions/:sid/end', (req, res) => {
    const session = sessions.get(req.params.sid);
    if (session) session.active = false;
    res.redirect(303, '/sso/sessions');
  });

  app.post('/api/sso/exchange', async (req, res) => {
    if (!authorized(req)) return void res.status(401).json({ error: 'unauthorized' });
    const jti = (req.body as { jti?: unknown }).jti;
    const identity = typeof jti === 'string' ? pendingJtis.get(jti) : undefined;
    if (!identity) return void res.status(404).json({ error: 'unknown jti' });
    pendingJtis.delete(jti as string);
    const token = await new SignJWT({ ...identity })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('hub')
      .setAudience('relay')
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(key);
    res.json({ token });
  });

  app.get('/api/sso/sessions/:sid', (req, res) => {
    if (!authorized(req)) return void res.status(401).json({ error: 'unauthorized' });
    res.json({ active: sessions.get(req.params.sid)?.active === true });
  });

  // For scripts and browser tests that bring their own organization (created in Relay with this id).
  app.post('/dev/organizations', (req, res) => {
    if (!authorized(req)) return void res.status(401).json({ error: 'unauthorized' });
    const { id, name } = req.body as { id?: unknown; name?: unknown };
    if (typeof id !== 'string' || typeof name !== 'string' || !name) return void res.status(400).json({ error: 'id and name are required' });
    organizations.set(id, { id, name });
    res.status(201).json({ id, name });
  });

  const server = await new Promise<Server>((listening, fail) => {
    const s = app.listen(options.port, '127.0.0.1', () => listening(s));
    s.once('error', fail);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ssoSecret,
    addOrganization: (organization) => void organizations.set(organization.id, organization),
    stop: () =>
      new Promise((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}
