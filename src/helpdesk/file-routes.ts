import { Router, type Response } from 'express';
import { requireKeyOrSession, readerOf } from '../auth/key-or-session.js';
import type { ApiKeyLookup } from '../auth/api-keys.js';
import type { Sessions } from '../auth/sessions.js';
import { findVoicemailOfTicket } from '../channels/index.js';
import type { Db } from '../db/database.js';
import { ApiError } from '../http/errors.js';
import { findAttachmentOfOrg } from '../inbound/index.js';
import { describeFailure, type HttpClient } from '../integrations/http.js';
import { findReply } from './reply-repository.js';

/**
 * Served as downloads, never rendered on Relay's origin: a customer's HTML attachment must
 * not run as Relay's page.
 */
function sendFile(res: Response, file: { filename: string; contentType: string; content: Buffer }): void {
  res
    .set({
      'content-type': file.contentType || 'application/octet-stream',
      'content-disposition': `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, no-store',
    })
    .send(file.content);
}

/**
 * The conversation's files, for the ticket page's links and audio player: inbound
 * attachments, reply attachments, and a voicemail's recording fetched from Dialpad through
 * Relay (the page may load media from Relay only; the link is the provider's).
 */
export function helpdeskFileRoutes(deps: { db: Db; apiKeys: ApiKeyLookup; sessions: Sessions; recordingHttp: HttpClient }): Router {
  const router = Router();
  const reader = requireKeyOrSession(deps, 'read', 'Viewer');

  router.get('/api/helpdesk/attachments/:id', reader, async (req, res) => {
    const file = await findAttachmentOfOrg(deps.db, readerOf(req).orgId, req.params.id as string);
    if (!file) throw new ApiError('not_found', 'no such attachment');
    sendFile(res, { filename: file.filename, contentType: file.content_type, content: file.content });
  });

  router.get('/api/helpdesk/replies/:id/attachments/:index', reader, async (req, res) => {
    const reply = await findReply(deps.db, readerOf(req).orgId, req.params.id as string);
    const file = reply?.attachments[Number(req.params.index)];
    if (!file || !/^\d+$/.test(req.params.index as string)) throw new ApiError('not_found', 'no such attachment');
    sendFile(res, { filename: file.filename, contentType: file.content_type, content: Buffer.from(file.content, 'base64') });
  });

  router.get('/api/helpdesk/tickets/:id/voicemail', reader, async (req, res) => {
    const voicemail = await findVoicemailOfTicket(deps.db, readerOf(req).orgId, req.params.id as string);
    if (!voicemail?.voicemail_url) throw new ApiError('not_found', 'this ticket has no voicemail recording');
    let answer;
    try {
      answer = await deps.recordingHttp.request({ method: 'GET', url: voicemail.voicemail_url });
    } catch (error) {
      throw new ApiError('service_unavailable', `the recording could not be fetched: ${describeFailure(error)}`);
    }
    if (answer.status !== 200 || !answer.bytes) throw new ApiError('service_unavailable', `the recording could not be fetched: HTTP ${answer.status}`);
    const type = answer.headers.get('content-type') ?? '';
    res
      .set({
        'content-type': /^audio\//i.test(type) ? type : 'audio/mpeg',
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, max-age=300',
      })
      .send(answer.bytes);
  });

  return router;
}
