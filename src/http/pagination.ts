import { z } from 'zod';
import { isUuid } from '../db/uuid.js';

export interface KeysetPosition {
  at: Date;
  id: string;
}

/** A REST list's page size: 25 unless asked, at most 100. */
export const pageLimitParameter = z.coerce.number().int().min(1).max(100).default(25).describe('how many items the page holds, 1 to 100');

/** Every cursor Relay answers is base64url; the REST list queries refuse anything else. */
export const cursorParameter = (maxLength: number) =>
  z
    .string()
    .max(maxLength)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a next_cursor from an earlier page')
    .describe('the next_cursor of the previous page');

/** Opaque page cursors over (time, key), newest first. */
export function encodeKeysetCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one Relay made; `isKey` checks the key part. */
function readKeysetCursor(cursor: string, isKey: (key: string) => boolean): KeysetPosition | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const date = typeof at === 'string' ? new Date(at) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !isKey(id)) return undefined;
    return { at: date, id };
  } catch {
    return undefined;
  }
}

/**
 * A keyset list's cursor (tRPC input or REST query), decoded to the position it names; one
 * Relay did not make is a validation error. Its key part is a uuid unless `isKey` says otherwise;
 * 1,000 characters hold a cursor whose key is an email address.
 */
export function keysetCursorSchema(isKey: (key: string) => boolean = isUuid) {
  return cursorParameter(1000).transform((cursor, ctx) => {
    const position = readKeysetCursor(cursor, isKey);
    if (!position) {
      ctx.addIssue({ code: 'custom', message: 'invalid cursor' });
      return z.NEVER;
    }
    return position;
  });
}

/**
 * One page of a list read with one row more than asked: the extra row only says another
 * page exists, and the cursor names the last row shown.
 */
export function keysetPage<Row, Item>(
  rows: Row[],
  limit: number,
  position: (row: Row) => KeysetPosition,
  view: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last ? position(last) : undefined;
  return { items: page.map(view), nextCursor: next ? encodeKeysetCursor(next.at, next.id) : null };
}

/**
 * The paging fields of a list procedure's input: a page size, the cursor of the previous
 * page, and the direction tRPC's infinite queries add (Relay's lists page forward only).
 */
export function keysetPageInput(isKey: (key: string) => boolean = isUuid, defaultLimit = 25) {
  return {
    limit: z.number().int().min(1).max(100).default(defaultLimit),
    cursor: keysetCursorSchema(isKey).nullish(),
    direction: z.literal('forward').optional(),
  };
}
