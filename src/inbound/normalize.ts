import PostalMime, { addressParser, type Address } from 'postal-mime';
import { z } from 'zod';
import type { InboundProvider } from '../db/tables/inbound.js';
import { parseForm, type FormData } from './form.js';
import type { InboundMessage, ParsedAttachment } from './message.js';

/**
 * Turns a stored provider request into one InboundMessage. Raw MIME (SendGrid raw mode,
 * Mailgun's body-mime, SES receiving, Cloudmailin raw) goes through postal-mime; the
 * providers' parsed formats are mapped field by field.
 */
export interface Normalized {
  message: InboundMessage;
  attachments: ParsedAttachment[];
}

export class UnreadableInbound extends Error {
  override name = 'UnreadableInbound';
}

const mailboxes = (addresses: Address[] | undefined): { address: string; name: string | null }[] =>
  (addresses ?? [])
    .flatMap((entry) => (entry.group ? entry.group : [entry]))
    .map((mailbox) => ({ address: mailbox.address ?? '', name: mailbox.name || null }));

const parseAddressList = (value: string | undefined) => (value ? mailboxes(addressParser(value)) : []);

const messageIds = (value: string | undefined | null): string[] => (value ? (value.match(/<[^<>\s]+>/g) ?? []) : []);

/** Envelope recipients as providers list them: a list, or one string of comma-separated addresses. */
function envelopeAddresses(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return list
    .flatMap((entry) => (typeof entry === 'string' ? parseAddressList(entry) : []))
    .map((mailbox) => mailbox.address.toLowerCase())
    .filter((address) => address.includes('@'));
}

/** The message with the envelope recipients the provider reported beside it (forwarded and BCC'd mail). */
function withEnvelope(normalized: Normalized, recipients: unknown): Normalized {
  const envelopeTo = [...new Set(envelopeAddresses(recipients))];
  return envelopeTo.length > 0 ? { ...normalized, message: { ...normalized.message, envelopeTo } } : normalized;
}

/** The reply above the quoted history: cut at the first "On ... wrote:" line or a run of quoted lines. */
export function stripQuotedReply(text: string | null): string | null {
  if (!text) return text;
  const lines = text.split(/\r?\n/);
  const cut = lines.findIndex(
    (line, index) =>
      /^On .+ wrote:\s*$/.test(line.trim()) ||
      /^-{2,}\s*Original Message\s*-{2,}/i.test(line.trim()) ||
      (line.startsWith('>') && (lines[index + 1] ?? '>').startsWith('>')),
  );
  return (cut < 0 ? lines : lines.slice(0, cut)).join('\n').trim() || null;
}

export async function parseMime(raw: Buffer | string): Promise<Normalized> {
  let email;
  try {
    email = await PostalMime.parse(raw);
  } catch (error) {
    throw new UnreadableInbound(`not a MIME message: ${(error as Error).message}`);
  }
  const from = mailboxes(email.from ? [email.from] : undefined)[0];
  const attachments = email.attachments.map((attachment, index) => ({
    filename: attachment.filename ?? `attachment-${index + 1}`,
    contentType: attachment.mimeType,
    content: Buffer.from(attachment.content as ArrayBuffer),
  }));
  const text = email.text ?? null;
  return {
    message: {
      from: from ?? { address: '', name: null },
      to: mailboxes(email.to).map((entry) => entry.address),
      cc: mailboxes(email.cc).map((entry) => entry.address),
      subject: email.subject ?? '',
      text,
      html: email.html ?? null,
      strippedText: stripQuotedReply(text),
      headers: email.headers.map((entry) => ({ name: entry.originalKey ?? entry.key, value: entry.value })),
      messageId: email.messageId ?? null,
      inReplyTo: messageIds(email.inReplyTo)[0] ?? null,
      references: messageIds(email.references),
      date: email.date ?? null,
      attachments: attachments.map(({ filename, contentType, content }) => ({ filename, contentType, size: content.length })),
    },
    attachments,
  };
}

/** Builds a message from a provider's parsed fields; headers fill in what the fields leave out. */
function fromFields(fields: {
  from: string | undefined;
  to: string | undefined;
  cc: string | undefined;
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  strippedText: string | undefined;
  headers: { name: string; value: string }[];
  attachments: ParsedAttachment[];
}): Normalized {
  const headerValue = (name: string) => fields.headers.find((entry) => entry.name.toLowerCase() === name)?.value;
  const from = parseAddressList(fields.from ?? headerValue('from'))[0];
  const text = fields.text ?? null;
  return {
    message: {
      from: from ?? { address: '', name: null },
      to: parseAddressList(fields.to ?? headerValue('to')).map((entry) => entry.address),
      cc: parseAddressList(fields.cc ?? headerValue('cc')).map((entry) => entry.address),
      subject: fields.subject ?? headerValue('subject') ?? '',
      text,
      html: fields.html ?? null,
      strippedText: fields.strippedText ?? stripQuotedReply(text),
      headers: fields.headers,
      messageId: messageIds(headerValue('message-id'))[0] ?? null,
      inReplyTo: messageIds(headerValue('in-reply-to'))[0] ?? null,
      references: messageIds(headerValue('references')),
      date: headerValue('date') ?? null,
      attachments: fields.attachments.map(({ filename, contentType, content }) => ({ filename, contentType, size: content.length })),
    },
    attachments: fields.attachments,
  };
}

/** "Name: value" header block (with folded lines), as SendGrid's parsed mode sends it. */
function parseHeaderBlock(block: string | undefined): { name: string; value: string }[] {
  if (!block) return [];
  return block
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)
    .map((line) => /^([^:\s]+):\s*(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ name: match[1]!, value: match[2]! }));
}

/** SendGrid's `envelope` field: JSON with the SMTP `to` list. */
function sendgridEnvelope(value: string | undefined): unknown {
  try {
    return value ? (JSON.parse(value) as { to?: unknown }).to : undefined;
  } catch {
    return undefined;
  }
}

const fileAttachments = (form: FormData, field: RegExp): ParsedAttachment[] =>
  form.files.filter((file) => field.test(file.field)).map((file) => ({ filename: file.filename, contentType: file.contentType, content: file.content }));

const postmarkSchema = z
  .object({
    From: z.string().optional(),
    FromName: z.string().optional(),
    FromFull: z.object({ Email: z.string(), Name: z.string().optional() }).loose().optional(),
    OriginalRecipient: z.string().optional(),
    To: z.string().optional(),
    Cc: z.string().optional(),
    Subject: z.string().optional(),
    TextBody: z.string().optional(),
    HtmlBody: z.string().optional(),
    StrippedTextReply: z.string().optional(),
    MessageID: z.string(),
    Headers: z.array(z.object({ Name: z.string(), Value: z.string() })).optional(),
    Attachments: z.array(z.object({ Name: z.string(), Content: z.string(), ContentType: z.string().optional() }).loose()).optional(),
  })
  .loose();

const cloudmailinSchema = z
  .object({
    headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
    envelope: z.object({ to: z.string().optional(), from: z.string().optional() }).loose().optional(),
    plain: z.string().nullable().optional(),
    html: z.string().nullable().optional(),
    reply_plain: z.string().nullable().optional(),
    attachments: z.array(z.object({ file_name: z.string(), content_type: z.string().optional(), content: z.string().optional() }).loose()).optional(),
  })
  .loose();

export const resendReceivedSchema = z.object({
  type: z.literal('email.received'),
  data: z
    .object({
      email_id: z.string(),
      from: z.string(),
      to: z.union([z.string(), z.array(z.string())]),
      cc: z.union([z.string(), z.array(z.string())]).optional(),
      subject: z.string().optional(),
      text: z.string().nullable().optional(),
      html: z.string().nullable().optional(),
      message_id: z.string().optional(),
      headers: z.record(z.string(), z.unknown()).optional(),
      attachments: z
        .array(z.object({ filename: z.string().optional(), content_type: z.string().optional(), content: z.string().optional() }).loose())
        .optional(),
    })
    .loose(),
});

export const sesReceivedSchema = z
  .object({
    notificationType: z.literal('Received'),
    mail: z.object({ messageId: z.string() }).loose(),
    receipt: z
      .object({ action: z.object({ encoding: z.string().optional() }).loose().optional(), recipients: z.array(z.string()).optional() })
      .loose()
      .optional(),
    content: z.string(),
  })
  .loose();

const json = (raw: Buffer): unknown => {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new UnreadableInbound('body is not JSON');
  }
};

export async function normalizeInbound(provider: InboundProvider, contentType: string, raw: Buffer): Promise<Normalized> {
  const isJson = /json/i.test(contentType);
  switch (provider) {
    case 'postmark': {
      const body = postmarkSchema.safeParse(json(raw));
      if (!body.success) throw new UnreadableInbound('not a Postmark inbound message');
      const m = body.data;
      const headers = (m.Headers ?? []).map((entry) => ({ name: entry.Name, value: entry.Value }));
      if (!headers.some((entry) => entry.name.toLowerCase() === 'message-id')) headers.push({ name: 'Message-ID', value: `<${m.MessageID}>` });
      const normalized = fromFields({
        from: m.From,
        to: m.To,
        cc: m.Cc,
        subject: m.Subject,
        text: m.TextBody,
        html: m.HtmlBody,
        strippedText: m.StrippedTextReply || undefined,
        headers,
        attachments: (m.Attachments ?? []).map((file) => ({
          filename: file.Name,
          contentType: file.ContentType ?? 'application/octet-stream',
          content: Buffer.from(file.Content, 'base64'),
        })),
      });
      // Postmark's parsed sender, taken as it is: a display name with a comma or quotes
      // ("Doe, Jane") survives, and FromName is the customer's name.
      const sender = m.FromFull?.Email ?? normalized.message.from.address;
      const name = m.FromName?.trim() || m.FromFull?.Name?.trim() || normalized.message.from.name;
      return withEnvelope({ ...normalized, message: { ...normalized.message, from: { address: sender, name: name || null } } }, m.OriginalRecipient);
    }
    case 'cloudmailin': {
      if (isJson) {
        const body = cloudmailinSchema.safeParse(json(raw));
        if (!body.success) throw new UnreadableInbound('not a Cloudmailin message');
        const m = body.data;
        const headers = Object.entries(m.headers).flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((v) => ({ name: name.replace(/_/g, '-'), value: v })),
        );
        const envelope = m.envelope as { to?: unknown; recipients?: unknown } | undefined;
        return withEnvelope(
          fromFields({
            from: undefined,
            to: undefined,
            cc: undefined,
            subject: undefined,
            text: m.plain ?? undefined,
            html: m.html ?? undefined,
            strippedText: m.reply_plain ?? undefined,
            headers,
            attachments: (m.attachments ?? []).map((file) => ({
              filename: file.file_name,
              contentType: file.content_type ?? 'application/octet-stream',
              content: Buffer.from(file.content ?? '', 'base64'),
            })),
          }),
          envelope?.recipients ?? envelope?.to,
        );
      }
      const form = await parseForm(raw, contentType);
      const headers = [...form.fields]
        .filter(([name]) => name.startsWith('headers['))
        .map(([name, value]) => ({ name: name.slice(8, -1).replace(/_/g, '-'), value }));
      return withEnvelope(
        fromFields({
          from: undefined,
          to: undefined,
          cc: undefined,
          subject: undefined,
          text: form.fields.get('plain'),
          html: form.fields.get('html'),
          strippedText: form.fields.get('reply_plain'),
          headers,
          attachments: fileAttachments(form, /^attachments/),
        }),
        form.fields.get('envelope[to]'),
      );
    }
    case 'mailgun': {
      const form = await parseForm(raw, contentType);
      // `recipient`: where Mailgun's route received it (the envelope), whatever To says.
      const recipient = form.fields.get('recipient');
      const mime = form.fields.get('body-mime');
      if (mime) return withEnvelope(await parseMime(mime), recipient);
      let headerPairs: [string, string][];
      try {
        headerPairs = JSON.parse(form.fields.get('message-headers') ?? '[]') as [string, string][];
      } catch {
        throw new UnreadableInbound('message-headers is not JSON');
      }
      return withEnvelope(
        fromFields({
          from: form.fields.get('from'),
          to: form.fields.get('To') ?? form.fields.get('recipient'),
          cc: form.fields.get('Cc'),
          subject: form.fields.get('subject'),
          text: form.fields.get('body-plain'),
          html: form.fields.get('body-html'),
          strippedText: form.fields.get('stripped-text'),
          headers: headerPairs.map(([name, value]) => ({ name, value })),
          attachments: fileAttachments(form, /^attachment-\d+$/),
        }),
        recipient,
      );
    }
    case 'sendgrid': {
      const form = await parseForm(raw, contentType);
      const envelope = sendgridEnvelope(form.fields.get('envelope'));
      const mime = form.fields.get('email');
      if (mime) return withEnvelope(await parseMime(mime), envelope);
      return withEnvelope(
        fromFields({
          from: form.fields.get('from'),
          to: form.fields.get('to'),
          cc: form.fields.get('cc'),
          subject: form.fields.get('subject'),
          text: form.fields.get('text'),
          html: form.fields.get('html'),
          strippedText: undefined,
          headers: parseHeaderBlock(form.fields.get('headers')),
          attachments: fileAttachments(form, /^attachment\d+$/),
        }),
        envelope,
      );
    }
    case 'resend': {
      // Resend's email.received event (Svix-signed at the edge): the message in `data`.
      const event = resendReceivedSchema.safeParse(json(raw));
      if (!event.success) throw new UnreadableInbound('not a Resend email.received event');
      const data = event.data.data;
      const list = (value: string | string[] | undefined) => (value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : value);
      return fromFields({
        from: data.from,
        to: list(data.to),
        cc: list(data.cc),
        subject: data.subject,
        text: data.text ?? undefined,
        html: data.html ?? undefined,
        strippedText: undefined,
        headers: [
          ...Object.entries(data.headers ?? {}).map(([name, value]) => ({ name, value: String(value) })),
          ...(data.message_id ? [{ name: 'Message-ID', value: data.message_id }] : []),
        ],
        attachments: (data.attachments ?? [])
          .filter((file) => typeof file.content === 'string')
          .map((file) => ({
            filename: file.filename ?? 'attachment',
            contentType: file.content_type ?? 'application/octet-stream',
            content: Buffer.from(file.content!, 'base64'),
          })),
      });
    }
    case 'ses': {
      const sns = json(raw) as { Message?: string };
      const received = sesReceivedSchema.safeParse(typeof sns.Message === 'string' ? JSON.parse(sns.Message) : undefined);
      if (!received.success) throw new UnreadableInbound('not an SES receipt notification with content');
      const encoding = received.data.receipt?.action?.encoding?.toUpperCase();
      return withEnvelope(
        await parseMime(encoding === 'BASE64' ? Buffer.from(received.data.content, 'base64') : received.data.content),
        received.data.receipt?.recipients,
      );
    }
  }
}
