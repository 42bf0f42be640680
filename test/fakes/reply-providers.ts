import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { RecordingServer, type RecordedRequest } from './recording-server.js';

/**
 * How a fake answers the next send: as the provider does on success, on trouble worth
 * retrying and on a final refusal; or `drop`: the request is read, then the connection
 * closes without an answer (the provider may have sent the message).
 */
export type Answer = 'success' | 'retryable' | 'permanent' | 'drop';

/** A send the fake accepted: what the provider would have delivered. */
export interface AcceptedSend {
  path: string;
  fields: Record<string, any>;
  id: string;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

/**
 * The base of the reply-provider fakes: answers follow a queue the test fills (success when
 * empty); a request that breaks the provider's format or authentication is answered as the
 * provider would (400/401) and listed in `problems`, so a test can assert there were none.
 */
abstract class ProviderFake extends RecordingServer {
  readonly answers: Answer[] = [];
  readonly accepted: AcceptedSend[] = [];
  readonly problems: string[] = [];

  constructor() {
    super((request, res) => this.handle(request, res));
  }

  /** The answers of the next sends, in order. */
  answerNext(...answers: Answer[]): this {
    this.answers.push(...answers);
    return this;
  }

  protected nextAnswer(): Answer {
    return this.answers.shift() ?? 'success';
  }

  protected refuse(problem: string): string {
    this.problems.push(problem);
    return problem;
  }

  protected abstract handle(request: RecordedRequest, res: ServerResponse): void;
}

/** Twilio's Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP basic auth (SID, auth token), a form. */
export class FakeTwilio extends ProviderFake {
  constructor(private readonly credentials: { accountSid: string; authToken: string }) {
    super();
  }

  protected handle(request: RecordedRequest, res: ServerResponse): void {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.path);
    if (request.method !== 'POST' || !match)
      return json(res, 404, { code: 20404, message: this.refuse(`no such resource ${request.method} ${request.path}`), status: 404 });
    const expected = `Basic ${Buffer.from(`${this.credentials.accountSid}:${this.credentials.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected || match[1] !== this.credentials.accountSid) {
      return json(res, 401, { code: 20003, message: this.refuse('Authenticate'), more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    }
    if (!/^application\/x-www-form-urlencoded/.test(request.headers['content-type'] ?? '')) {
      return json(res, 400, { code: 20001, message: this.refuse(`content type ${request.headers['content-type']}`), status: 400 });
    }
    const fields = Object.fromEntries(new URLSearchParams(request.body));
    for (const name of ['To', 'From', 'Body']) {
      if (!fields[name]) return json(res, 400, { code: 21604, message: this.refuse(`A '${name}' is required`), status: 400 });
    }
    switch (this.nextAnswer()) {
      case 'drop':
        return void res.destroy();
      case 'retryable':
        return json(res, 503, { code: 20503, message: 'Service Unavailable', more_info: 'https://www.twilio.com/docs/errors/20503', status: 503 });
      case 'permanent':
        return json(res, 400, {
          code: 21211,
          message: `The 'To' number ${fields.To} is not a valid phone number.`,
          more_info: 'https://www.twilio.com/docs/errors/21211',
          status: 400,
        });
      case 'success': {
        const sid = `SM${randomBytes(16).toString('hex')}`;
        this.accepted.push({ path: request.path, fields, id: sid });
        return json(res, 201, {
          sid,
          account_sid: this.credentials.accountSid,
          to: fields.To,
          from: fields.From,
          body: fields.Body,
          status: 'queued',
          direction: 'outbound-api',
          date_created: new Date().toUTCString(),
          uri: `/2010-04-01/Accounts/${this.credentials.accountSid}/Messages/${sid}.json`,
        });
      }
    }
  }
}

/** The Graph API's WhatsApp Cloud (POST /{phone-number-id}/messages) and Messenger Send API (POST /{page-id}/messages), bearer tokens. */
export class FakeGraph extends ProviderFake {
  constructor(private readonly tokens: Record<string, string>) {
    super();
  }

  protected handle(request: RecordedRequest, res: ServerResponse): void {
    const match = /^\/([^/?]+)\/messages$/.exec(request.path);
    if (request.method !== 'POST' || !match) {
      return json(res, 400, {
        error: { message: this.refuse(`Unsupported ${request.method} request ${request.path}`), type: 'GraphMethodException', code: 100 },
      });
    }
    const sender = decodeURIComponent(match[1]!);
    if (request.headers.authorization !== `Bearer ${this.tokens[sender]}`) {
      return json(res, 401, { error: { message: this.refuse('Invalid OAuth access token - Cannot parse access token'), type: 'OAuthException', code: 190 } });
    }
    let body: Record<string, any>;
    try {
      body = JSON.parse(request.body) as Record<string, any>;
    } catch {
      return json(res, 400, { error: { message: this.refuse('body is not JSON'), type: 'OAuthException', code: 100 } });
    }
    const whatsapp = body.messaging_product === 'whatsapp';
    if (whatsapp && (body.type !== 'text' || typeof body.to !== 'string' || typeof body.text?.body !== 'string')) {
      return json(res, 400, { error: { message: this.refuse(`(#100) Invalid parameter ${JSON.stringify(body)}`), type: 'OAuthException', code: 100 } });
    }
    if (!whatsapp && (typeof body.recipient?.id !== 'string' || body.messaging_type !== 'RESPONSE' || typeof body.message?.text !== 'string')) {
      return json(res, 400, { error: { message: this.refuse(`(#100) Invalid parameter ${JSON.stringify(body)}`), type: 'OAuthException', code: 100 } });
    }
    switch (this.nextAnswer()) {
      case 'drop':
        return void res.destroy();
      case 'retryable':
        return json(res, 503, {
          error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true },
        });
      case 'permanent':
        return whatsapp
          ? json(res, 400, {
              error: {
                message: '(#131047) Re-engagement message',
                type: 'OAuthException',
                code: 131047,
                error_data: {
                  messaging_product: 'whatsapp',
                  details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
                },
              },
            })
          : json(res, 400, {
              error: { message: '(#10) This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278 },
            });
      case 'success': {
        const id = whatsapp ? `wamid.${randomBytes(24).toString('base64url')}` : `m_${randomBytes(24).toString('base64url')}`;
        this.accepted.push({ path: request.path, fields: body, id });
        return whatsapp
          ? json(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id }] })
          : json(res, 200, { recipient_id: body.recipient.id, message_id: id });
      }
    }
  }
}

/** Slack's chat.postMessage: a bot token as bearer, JSON; 200 with ok:false for refusals, 429 when rate limited. */
export class FakeSlack extends ProviderFake {
  constructor(private readonly botToken: string) {
    super();
  }

  protected handle(request: RecordedRequest, res: ServerResponse): void {
    if (request.method !== 'POST' || request.path !== '/chat.postMessage') return json(res, 404, { ok: false, error: this.refuse('unknown_method') });
    if (request.headers.authorization !== `Bearer ${this.botToken}`) return json(res, 200, { ok: false, error: this.refuse('invalid_auth') });
    if (!/^application\/json/.test(request.headers['content-type'] ?? '')) return json(res, 200, { ok: false, error: this.refuse('invalid_form_data') });
    const body = JSON.parse(request.body) as Record<string, any>;
    if (typeof body.channel !== 'string' || typeof body.text !== 'string') return json(res, 200, { ok: false, error: this.refuse('no_text') });
    switch (this.nextAnswer()) {
      case 'drop':
        return void res.destroy();
      case 'retryable':
        return json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
      case 'permanent':
        return json(res, 200, { ok: false, error: 'channel_not_found' });
      case 'success': {
        const ts = `${Math.floor(Date.now() / 1000)}.${String(this.accepted.length + 1).padStart(6, '0')}`;
        this.accepted.push({ path: request.path, fields: body, id: ts });
        return json(res, 200, { ok: true, channel: body.channel, ts, message: { type: 'message', text: body.text, ts, thread_ts: body.thread_ts } });
      }
    }
  }
}
