import { createHmac, randomBytes } from 'node:crypto';
import { createApiKey } from '../../../src/auth/repository.js';
import type { Db } from '../../../src/db/database.js';
import { customerChannels } from '../../support/customer-messages.js';
import type { StoredEmail } from '../../support/ses-store.js';
import { expect, type Organization } from './fixtures.js';

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** What a helpdesk needs before customers write: a support address, an SMS and a WhatsApp number, a Messenger page and a Slack channel Relay can reply on, and a Dialpad line. */
export async function helpdeskOf(db: Db, organization: Organization) {
  const { key } = await createApiKey(db, { orgId: organization.id, scopes: ['admin'] });
  const api = (path: string, body: unknown) =>
    fetch(`${process.env.RELAY_URL}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const support = `help-${hex(3)}@${organization.domain}`;
  expect((await api('/api/v1/inbound-addresses', { address: support })).status).toBe(201);
  const connect = async (channel: Record<string, unknown>) => expect((await api('/api/v1/channels', channel)).status).toBe(201);
  /** Connects a Meta channel (a WhatsApp number, a Messenger page): returns the app secret that signs its webhooks and the Graph token it replies with. */
  const metaKeys = async (type: 'whatsapp' | 'messenger', id: string) => {
    const keys = { appSecret: hex(16), accessToken: `EAA${hex(12)}` };
    await connect({ type, address: id, secret: keys.appSecret, verify_token: hex(8), credentials: { access_token: keys.accessToken } });
    return keys;
  };
  const uniqueDigits = () => String(Date.now()).slice(-9) + String(Math.floor(Math.random() * 1000));

  const twilio = { accountSid: `AC${hex(16)}`, authToken: `token-${hex(8)}`, number: `+1777${String(Date.now()).slice(-7)}` };
  await connect({ type: 'twilio', address: twilio.number, secret: twilio.authToken, credentials: { account_sid: twilio.accountSid } });
  const phoneNumberId = uniqueDigits();
  const whatsapp = { phoneNumberId, ...(await metaKeys('whatsapp', phoneNumberId)) };
  const pageId = `1${uniqueDigits()}`;
  const messenger = { pageId, ...(await metaKeys('messenger', pageId)) };
  const slack = { address: `T${hex(4).toUpperCase()}:C${hex(4).toUpperCase()}`, signingSecret: hex(16), botToken: `xoxb-${hex(10)}` };
  await connect({ type: 'slack', address: slack.address, secret: slack.signingSecret, credentials: { bot_token: slack.botToken } });
  const dialpad = { number: `+1888${String(Date.now()).slice(-7)}`, secret: hex(16) };
  await connect({ type: 'dialpad', address: dialpad.number, secret: dialpad.secret });
  const customers = customerChannels({
    apiUrl: process.env.RELAY_URL!,
    publicUrl: process.env.RELAY_URL!,
    postmarkToken: process.env.POSTMARK_INBOUND_TOKEN!,
    twilio,
    whatsapp,
    messenger,
    slack,
  });
  return { support, twilio, whatsapp, messenger, slack, dialpad, customers };
}

export async function sesStore(): Promise<StoredEmail[]> {
  return ((await (await fetch(`${process.env.SES_URL}/store`)).json()) as { emails: StoredEmail[] }).emails;
}

/** Waits until Relay has stored the customer's message (the page's own 5-second promise starts then). */
export async function stored(db: Db, orgId: string, text: string) {
  await expect
    .poll(async () => (await db.selectFrom('conversation_messages').select('id').where('org_id', '=', orgId).where('body_text', '=', text).execute()).length, {
      timeout: 30_000,
    })
    .toBe(1);
}

/** One Dialpad call event for the organization's line, signed as Dialpad signs it (HMAC-SHA256 of the body with the line's secret). */
export async function dialpadEvent(
  line: { number: string; secret: string },
  event: { callId: string; caller: string; state: string } & Record<string, unknown>,
) {
  const { callId, caller, state, ...extra } = event;
  const body = JSON.stringify({
    call_id: callId,
    state,
    direction: 'inbound',
    target: { phone_number: line.number, name: 'Support Line' },
    contact: { phone_number: caller, name: 'Val Voicemail' },
    started_at: Math.floor(Date.now() / 1000),
    ...extra,
  });
  return fetch(`${process.env.RELAY_URL}/api/webhooks/dialpad`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dialpad-signature': createHmac('sha256', line.secret).update(body).digest('hex') },
    body,
  });
}
