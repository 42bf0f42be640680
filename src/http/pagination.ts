import { isUuid } from '../db/uuid.js';
import { ApiError } from './errors.js';

/** Opaque page cursors over (time, id), newest first. */
export function encodeKeysetCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

export function decodeKeysetCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (Number.isNaN(date.getTime()) || !isUuid(id)) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw new ApiError('validation_failed', 'invalid cursor');
  }
}
