import { z } from 'zod';

// RFC 5321 §4.1.2 Mailbox: a dot-atom local part of at most 64 octets (no leading or
// trailing dot; no doubled dot, checked apart) at a domain of dot-separated labels. HTML5's
// pattern let `.a~!@b.c` through, which no mail server takes; the OpenAPI document carries
// this pattern too, and JSON Schema's email format says the rest.
const atext = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
export const MAILBOX_PATTERN = new RegExp(`^[${atext}](?:[.${atext}]{0,62}[${atext}])?@${label}(?:\\.${label})+$`);

/** An email address as Relay stores and sends to it: a mailbox, at most 320 characters. */
export const emailAddress = z
  .email({ pattern: MAILBOX_PATTERN })
  .max(320)
  .refine((address) => !address.includes('..'), 'must not hold two dots in a row');
