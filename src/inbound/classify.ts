import type { InboundClassification } from '../db/tables/inbound.js';
import { header, type InboundMessage } from './message.js';

/** SES puts its own message id in the Message-ID of every mail it sends. */
export const SES_MESSAGE_ID = /<([0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[0-9a-f]{6})@[a-z0-9.-]*amazonses\.com>/gi;

const AUTO_REPLY_SUBJECT =
  /^\s*(auto(matic)?[\s-]*(reply|response|antwort)|out of (the )?office|away from (the )?office|on vacation|abwesenheitsnotiz|r[ée]ponse automatique)\b/i;
const BOUNCE_SENDER = /^(mailer-daemon|postmaster)@/i;
const BOUNCE_SUBJECT = /^\s*(undeliver(ed|able)|delivery status notification \(failure\)|returned mail|mail delivery (failed|failure)|failure notice)/i;

/**
 * The seed's five kinds, most specific first. `ownAddresses` are the organization's
 * own addresses (sending identities and support addresses); `sentByRelay` tells whether
 * a Message-ID is one Relay sent.
 */
export function classifyInbound(
  message: InboundMessage,
  context: { ownAddresses: readonly string[]; sentByRelay: (sesMessageId: string) => boolean },
): InboundClassification {
  const from = message.from.address.toLowerCase();
  const subject = message.subject;
  const contentType = header(message, 'content-type') ?? '';

  if (/(^|\.)dialpad\.com$/.test(from.split('@')[1] ?? '') && /voicemail/i.test(subject)) return 'dialpad_voicemail';

  if (/multipart\/report/i.test(contentType) && /report-type\s*=\s*"?delivery-status/i.test(contentType)) return 'bounce';
  if (BOUNCE_SENDER.test(from) || BOUNCE_SUBJECT.test(subject)) return 'bounce';

  const autoSubmitted = header(message, 'auto-submitted');
  const precedence = header(message, 'precedence');
  if (
    (autoSubmitted && autoSubmitted.trim().toLowerCase() !== 'no') ||
    header(message, 'x-autoreply') !== undefined ||
    header(message, 'x-autorespond') !== undefined ||
    (precedence && /^(bulk|auto_reply|junk)$/i.test(precedence.trim())) ||
    AUTO_REPLY_SUBJECT.test(subject)
  ) {
    return 'auto_reply';
  }

  const ownId = message.messageId ? [...message.messageId.matchAll(SES_MESSAGE_ID)].some((match) => context.sentByRelay(match[1]!)) : false;
  if (ownId || context.ownAddresses.includes(from)) return 'outbound_copy';

  return 'inbound';
}

/** SES message ids a bounce report names (in its returned headers or text). */
export function sesMessageIdsIn(text: string): string[] {
  return [...new Set([...text.matchAll(SES_MESSAGE_ID)].map((match) => match[1]!.toLowerCase()))];
}

/**
 * The SES message ids behind Message-IDs an answer names (In-Reply-To, References). SES gives
 * every message it sends `<id@region.amazonses.com>` and overwrites any Message-ID Relay sets,
 * so this is how an answer to an agent's reply finds the email (and its ticket). Unlike a
 * bounce report's text, a header holds exactly one id per entry, whatever form the id takes.
 */
export function sesMessageIdsOf(messageIds: readonly string[]): string[] {
  return [...new Set(messageIds.flatMap((id) => /^<([^<>@\s]+)@(?:[a-z0-9-]+\.)*amazonses\.com>$/i.exec(id.trim())?.[1] ?? []))];
}
