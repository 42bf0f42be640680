import { z } from 'zod';

// RFC 5321 §4.1.2 Mailbox: a dot-atom local part (no leading, trailing or doubled dot)
// at a domain of one or more dot-separated labels. HTML5's pattern lets `.a~!@b` through,
// which no mail server accepts; the OpenAPI document carries this pattern too.
const atext = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
export const MAILBOX_PATTERN = new RegExp(`^${atext}(?:\\.${atext})*@${label}(?:\\.${label})+$`);

/** An email address as Relay stores and sends to it: a mailbox, at most 320 characters. */
export const emailAddress = z.email({ pattern: MAILBOX_PATTERN }).max(320);
