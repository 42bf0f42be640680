import type { Response } from 'express';

/** A one-sentence HTML page: the answer to a link a person opened (a confirmation, an OAuth return). */
export function sendMessagePage(res: Response, status: number, text: string): void {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res
    .status(status)
    .type('html')
    .send(`<!doctype html><meta charset="utf-8"><title>Relay</title><p style="font-family:sans-serif;margin:3em auto;max-width:32em">${escaped}</p>`);
}
