export type { InboundMessage } from '../db/tables/inbound.js';
import type { InboundMessage } from '../db/tables/inbound.js';

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export function header(message: Pick<InboundMessage, 'headers'>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return message.headers.find((entry) => entry.name.toLowerCase() === lower)?.value;
}
