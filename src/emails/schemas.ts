import { z } from 'zod';
import { keysetCursorSchema, pageLimitParameter } from '../http/pagination.js';
import { emailAddress, MAILBOX_PATTERN } from '../http/email-address.js';
import { EMAIL_EVENT_TYPES } from '../db/tables/email-events.js';
import { EMAIL_STATUSES, SEND_PRIORITIES } from '../db/tables/emails.js';

export const MAX_RECIPIENTS = 50;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const MAX_BATCH_SIZE = 100;

const MAILBOX = MAILBOX_PATTERN.source.slice(1, -1);

/** `addr@host` or `Display Name <addr@host>`, with no line breaks anywhere (header injection). */
const mailbox = z
  .string()
  .trim()
  .min(3)
  .max(320)
  .refine((value) => !/[\r\n]/.test(value), 'must not contain line breaks')
  .refine((value) => {
    const match = /^(?:[^<>]*<([^<>]+)>|([^<>\s]+))$/.exec(value);
    const address = match?.[1] ?? match?.[2];
    return address !== undefined && emailAddress.safeParse(address).success;
  }, 'must be an email address, optionally as "Name <address>"')
  .meta({ pattern: `^\\s*(?:[^<>\\r\\n]*<${MAILBOX}>|${MAILBOX})\\s*$` });

const mailboxes = z.union([mailbox, z.array(mailbox).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

// Headers SES or Relay writes itself; setting them here would break the message, its
// signature or its tracking, or pass one tenant's mail off as SES's or Relay's own.
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'reply-to',
  'sender',
  'return-path',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'dkim-signature',
  'feedback-id',
  'received',
]);
const RESERVED_HEADER_PREFIXES = ['x-ses-', 'x-relay-'];

const headerName = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a header field name')
  .refine((name) => {
    const lower = name.toLowerCase();
    return !RESERVED_HEADERS.has(lower) && !RESERVED_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix));
  }, 'is set by SES or Relay and cannot be set here');
const headerValue = z
  .string()
  .max(998)
  .refine((value) => !/[\r\n]/.test(value), 'must not contain line breaks');

// SES message tag rules: ASCII letters, digits, underscore and dash, up to 256 characters.
const tagPart = z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'may hold only letters, digits, "_" and "-" (1-256)');

/** An attachment's content: base64, checked by code and described by one pattern in the document. */
export const base64Content = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
  .refine((value) => value.length % 4 === 0, 'must be base64 (length a multiple of 4)')
  // The same set in one pattern for the document; V8 would overflow its stack matching it on 13 MB.
  .meta({ pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$' });

const attachment = z.strictObject({
  filename: z
    .string()
    .min(1)
    .max(255)
    .refine((value) => !/[\r\n"\\/]/.test(value), 'must be a plain file name'),
  content: base64Content,
  content_type: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type')
    .default('application/octet-stream'),
});

export const sendEmailRequest = z
  .strictObject({
    from: mailbox,
    to: mailboxes,
    cc: mailboxes.optional(),
    bcc: mailboxes.optional(),
    reply_to: mailboxes.optional(),
    subject: z
      .string()
      .min(1)
      .max(998)
      .refine((value) => !/[\r\n]/.test(value), 'must not contain line breaks'),
    html: z.string().min(1).optional(),
    text: z.string().min(1).optional(),
    headers: z.record(headerName, headerValue).optional(),
    tags: z
      .record(tagPart, tagPart)
      .refine((tags) => Object.keys(tags).length <= 40, 'at most 40 tags')
      .optional(),
    attachments: z.array(attachment).max(50).optional(),
    metadata: z
      .record(z.string().min(1).max(100), z.string().max(2000))
      .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
      .optional(),
    /** `high` before `normal` before `bulk` on the shared SES queue; normal by default (bulk in a batch). */
    priority: z.enum(SEND_PRIORITIES).optional(),
  })
  .refine((email) => email.html !== undefined || email.text !== undefined, {
    message: 'an email needs html or text',
    path: ['html'],
  })
  .meta({ anyOf: [{ required: ['html'] }, { required: ['text'] }] })
  .refine((email) => email.to.length + (email.cc?.length ?? 0) + (email.bcc?.length ?? 0) <= MAX_RECIPIENTS, {
    message: `at most ${MAX_RECIPIENTS} recipients across to, cc and bcc`,
    path: ['to'],
  });

export type SendEmailRequest = z.infer<typeof sendEmailRequest>;

export const batchSendRequest = z
  .array(z.unknown())
  .min(1)
  .max(MAX_BATCH_SIZE)
  .meta({
    description: `Up to ${MAX_BATCH_SIZE} SendEmailRequest objects; each is validated and answered on its own.`,
  });

/** Decoded bytes of all attachments; the base64 text is about 4/3 of it. */
export function attachmentBytes(email: SendEmailRequest): number {
  return (email.attachments ?? []).reduce((total, file) => total + Buffer.byteLength(file.content, 'base64'), 0);
}

export const queuedEmail = z.object({ id: z.uuid(), status: z.literal('queued') });

export const listEmailsQuery = z.strictObject({
  status: z.enum(EMAIL_STATUSES).optional(),
  to: z.string().min(1).max(320).optional(),
  tag: z.string().min(1).max(513).optional(),
  limit: pageLimitParameter,
  cursor: keysetCursorSchema().optional(),
});

export const emailEvent = z.object({
  type: z.enum(EMAIL_EVENT_TYPES),
  recipient: z.string().nullable(),
  at: z.iso.datetime(),
  detail: z.record(z.string(), z.unknown()),
});

export const emailView = z.object({
  id: z.uuid(),
  status: z.enum(EMAIL_STATUSES),
  from: z.string(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  bcc: z.array(z.string()),
  subject: z.string(),
  tags: z.record(z.string(), z.string()),
  metadata: z.record(z.string(), z.string()),
  ses_message_id: z.string().nullable(),
  failure_reason: z.string().nullable(),
  priority: z.enum(SEND_PRIORITIES),
  created_at: z.iso.datetime(),
  events: z.array(emailEvent),
});

export const emailList = z.object({ data: z.array(emailView.omit({ events: true })), next_cursor: z.string().nullable() });
