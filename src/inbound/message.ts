/** Every inbound email, whatever the provider, normalized to this shape. */
export interface InboundMessage {
  from: { address: string; name: string | null };
  to: string[];
  cc: string[];
  subject: string;
  text: string | null;
  html: string | null;
  /** The reply without the quoted history, when the provider or Relay could tell. */
  strippedText: string | null;
  headers: { name: string; value: string }[];
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  date: string | null;
  /** Attachment metadata; contents are stored beside the message, never in workflow payloads. */
  attachments: { filename: string; contentType: string; size: number }[];
}

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export function header(message: Pick<InboundMessage, 'headers'>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return message.headers.find((entry) => entry.name.toLowerCase() === lower)?.value;
}
