import type { Response } from 'express';
import type { Partner } from '../db/tables/partners.js';

// The pages Relay renders itself during the OAuth flow: the consent form and its refusals.

const escape = (value: string) => value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** Pages Relay renders itself are never framed (clickjacking on the consent button). */
function sendPage(res: Response, status: number, title: string, body: string): void {
  res.status(status).set({
    'content-type': 'text/html; charset=utf-8',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  }).send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; line-height: 1.5">${body}</body></html>`);
}

/** The consent form: `fields` go back, hidden, with the user's decision. */
export function sendConsentPage(res: Response, partner: Partner, fields: Record<string, string>): void {
  const hidden = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
    .join('');
  const logo = partner.logo_url?.startsWith('https://') ? `<img src="${escape(partner.logo_url)}" alt="" width="64" height="64">` : '';
  sendPage(
    res,
    200,
    `Connect ${partner.name}`,
    `${logo}<h1>Connect ${escape(partner.name)} to RelayIt</h1>
<p><strong>${escape(partner.name)}</strong> wants to receive the CRM updates from your voice debriefs.</p>
<form method="post" action="/api/oauth/consent">${hidden}
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
  );
}

export const sendErrorPage = (res: Response, message: string) => sendPage(res, 400, 'Cannot connect', `<h1>Cannot connect</h1><p>${escape(message)}</p>`);

export const sendConsentExpiredPage = (res: Response) =>
  sendPage(res, 403, 'Expired', '<h1>This consent form expired</h1><p>Start connecting again from the application.</p>');
