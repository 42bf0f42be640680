import type { Email } from '../db/tables/emails.js';

// Timeline entries that say where one recipient's copy stands; the latest one wins.
const RECIPIENT_STATES = new Set(['suppressed', 'delivered', 'delayed', 'bounced', 'complained']);

/** Each recipient's current state, read off the timeline (oldest entry first). */
export function recipientStates(email: Pick<Email, 'status' | 'recipients'>, events: { type: string; recipient: string | null; at: string }[]) {
  const fallback = email.status === 'queued' || email.status === 'failed' || email.status === 'suppressed' ? email.status : 'sent';
  return email.recipients.map((address) => {
    const latest = events.filter((event) => event.recipient === address && RECIPIENT_STATES.has(event.type)).at(-1);
    return { address, status: latest?.type ?? fallback, at: latest?.at ?? null };
  });
}
