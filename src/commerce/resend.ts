import type { DbOrTrx } from '../db/database.js';
import type { EmailEventType } from '../db/tables/email-events.js';
import type { EmailStatus } from '../db/tables/emails.js';
import { advanceEmailStatus, findEmail, insertEmailEvents, statusesBelow } from '../emails/index.js';

type Json = Record<string, any>;

const RESEND_TIMELINE: Record<string, EmailEventType> = {
  'email.delivered': 'delivered',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.delivery_delayed': 'delayed',
};

/** A Resend delivery event on the email Relay knows it by (Relay's tags on the send), if any; returns that email's organization. */
export async function applyResendEvent(trx: DbOrTrx, payload: Json): Promise<string | undefined> {
  const data = (payload.data ?? {}) as Json;
  const tags: Record<string, string> = Array.isArray(data.tags) ? Object.fromEntries(data.tags.map((tag: Json) => [tag.name, tag.value])) : (data.tags ?? {});
  const type = RESEND_TIMELINE[payload.type as string];
  if (!type || !tags.relay_org_id || !tags.relay_email_id) return undefined;
  const email = await findEmail(trx, tags.relay_org_id, tags.relay_email_id).catch(() => undefined);
  if (!email) return undefined;
  const recipients: (string | null)[] =
    type === 'opened' || type === 'clicked' ? [null] : ([] as string[]).concat(data.to ?? []).map((to) => String(to).toLowerCase());
  await insertEmailEvents(
    trx,
    recipients.map((recipient) => ({
      orgId: email.org_id,
      emailId: email.id,
      type,
      recipient,
      detail: {
        source: 'resend',
        resend_email_id: data.email_id,
        ...(data.click?.link ? { url: data.click.link } : {}),
        ...(data.bounce ? { bounce: data.bounce } : {}),
      },
    })),
  );
  const status: EmailStatus | undefined =
    type === 'delivered' ? 'delivered' : type === 'bounced' ? 'bounced' : type === 'complained' ? 'complained' : undefined;
  if (status) {
    await advanceEmailStatus(trx, email.org_id, email.id, status, statusesBelow(status));
  }
  return email.org_id;
}
