import { createHash } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import type { InboundProvider } from '../db/tables/inbound.js';
import { constantTimeEqual, sha256 } from '../security/secrets.js';
import { isFreshTimestamp, verifyHmacSha256Hex } from '../security/signatures.js';
import type { SnsMessage, SnsVerifier } from '../security/sns.js';
import { jsonObjectOf, WebhookRejected, type ProviderRequest, verifiedSnsMessage } from '../http/provider-webhook.js';
import { FormLimitExceeded, MalformedForm, parseForm, type FormData } from './form.js';
import { sesReceivedSchema } from './normalize.js';

/** Provider credentials for inbound email, from the config. */
export interface InboundSecrets {
  mailgunSigningKey: string | undefined;
  sendgridPublicKey: string | undefined;
  postmarkToken: string | undefined;
  cloudmailin: { username: string; password: string } | undefined;
}

export interface ReceiveDeps {
  secrets: InboundSecrets;
  /** Verifies SNS messages from the SES receiving topics. */
  sns: SnsVerifier;
  now(): number;
}

export type Received =
  | {
      kind: 'message';
      provider: InboundProvider;
      providerMessageId: string;
      /**
       * Where the provider's id is the sender's own Message-ID: the hash of the message's
       * content, so a forged copy carrying someone else's Message-ID is another message.
       * Absent where the provider assigns the id (SES, Postmark).
       */
      contentHash?: Buffer;
      /** A one-time token the signature covers; used once, for this message only (checked when storing). */
      nonce?: { value: string; expiresAt: Date };
    }
  | { kind: 'sns-control'; message: SnsMessage };

const unauthorized = (why: string) => new WebhookRejected(401, why);
const REPLAY_WINDOW_SECONDS = 300;
/** Mailgun's per-request fields: a retry of the same message comes with new ones. */
const MAILGUN_SIGNATURE_FIELDS = ['timestamp', 'token', 'signature'] as const;

const firstMessageId = (value: string | undefined) => value?.match(/<[^<>\s]+>/)?.[0];
/** The Message-ID header of a raw MIME message, read from its header section only. */
const mimeMessageId = (mime: string | undefined) => {
  const headers = mime?.split(/\r?\n\r?\n/, 1)[0]?.replace(/\r?\n[ \t]+/g, ' ');
  return firstMessageId(/^message-id:\s*(.+)$/im.exec(headers ?? '')?.[1]);
};
/** Without a Message-ID, the content itself identifies a retried delivery. */
const contentId = (raw: Buffer) => `sha256:${createHash('sha256').update(raw).digest('hex')}`;

/**
 * What a provider's retry repeats and a forged copy does not: every field and file of the
 * form, in a fixed order, without the provider's per-request signature fields (`unsigned`)
 * and independent of the multipart boundary.
 */
function formContentHash(data: FormData, unsigned: readonly string[] = []): Buffer {
  const hash = createHash('sha256');
  const fields = [...data.fields].filter(([name]) => !unsigned.includes(name)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const entry of fields) hash.update(`${JSON.stringify(entry)}\n`);
  const files = data.files.map((file) => [file.field, file.filename, file.contentType, createHash('sha256').update(file.content).digest('hex')]);
  for (const entry of files.sort((a, b) => (a.join('\0') < b.join('\0') ? -1 : 1))) hash.update(`${JSON.stringify(entry)}\n`);
  return hash.digest();
}

function matchesSecret(given: string | undefined, expected: string | undefined): boolean {
  return Boolean(given && expected && constantTimeEqual(sha256(given), sha256(expected)));
}

async function form(request: ProviderRequest) {
  try {
    return await parseForm(request.raw, request.contentType);
  } catch (error) {
    if (error instanceof FormLimitExceeded) throw new WebhookRejected(413, error.message);
    if (error instanceof MalformedForm) throw new WebhookRejected(400, `malformed form body: ${error.message}`);
    throw error;
  }
}

const json = jsonObjectOf;

/**
 * Tells the provider from the request itself, verifies it the provider's way, and
 * returns the provider's id of the message. Throws WebhookRejected (401 unverified,
 * 413 too large, 400 malformed) before anything is stored.
 */
export async function receiveInbound(request: ProviderRequest, deps: ReceiveDeps): Promise<Received> {
  const { secrets } = deps;
  const isForm = /multipart\/form-data|application\/x-www-form-urlencoded/i.test(request.contentType);

  // SES receiving, through SNS (text/plain JSON with SNS's own headers).
  if (request.header('x-amz-sns-message-type') || /text\/plain/i.test(request.contentType)) {
    const message = await verifiedSnsMessage(request, deps.sns);
    if (message.Type !== 'Notification') return { kind: 'sns-control', message };
    let received;
    try {
      received = sesReceivedSchema.safeParse(JSON.parse(message.Message));
    } catch {
      received = undefined;
    }
    if (!received?.success) throw new WebhookRejected(400, 'SNS notification is not an SES receipt with content');
    return { kind: 'message', provider: 'ses', providerMessageId: received.data.mail.messageId };
  }

  // SendGrid Inbound Parse with a signed-webhook security policy (ECDSA, SendGrid's verifier).
  const sendgridSignature = request.header('x-twilio-email-event-webhook-signature');
  if (sendgridSignature) {
    const timestamp = request.header('x-twilio-email-event-webhook-timestamp') ?? '';
    if (!secrets.sendgridPublicKey) throw unauthorized('SendGrid inbound is not configured');
    if (!isFreshTimestamp(timestamp, deps.now(), REPLAY_WINDOW_SECONDS)) throw unauthorized('SendGrid timestamp is missing or stale');
    let valid: boolean;
    try {
      const verifier = new EventWebhook();
      valid = verifier.verifySignature(verifier.convertPublicKeyToECDSA(secrets.sendgridPublicKey), request.raw, sendgridSignature, timestamp);
    } catch {
      valid = false;
    }
    if (!valid) throw unauthorized('SendGrid signature does not verify');
    const parsed = await form(request);
    const fields = parsed.fields;
    const headerBlock = fields.get('headers')?.replace(/\r?\n[ \t]+/g, ' ');
    const id = firstMessageId(/^message-id:\s*(.+)$/im.exec(headerBlock ?? '')?.[1]) ?? mimeMessageId(fields.get('email'));
    return { kind: 'message', provider: 'sendgrid', providerMessageId: id ?? contentId(request.raw), contentHash: formContentHash(parsed) };
  }

  // Cloudmailin: HTTP basic auth on the target URL.
  const authorization = request.header('authorization');
  if (authorization?.startsWith('Basic ')) {
    const [username, ...rest] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    const cloudmailin = secrets.cloudmailin;
    if (!cloudmailin || !matchesSecret(username, cloudmailin.username) || !matchesSecret(rest.join(':'), cloudmailin.password)) {
      throw unauthorized('Cloudmailin credentials do not match');
    }
    if (isForm) {
      const parsed = await form(request);
      const id = firstMessageId(parsed.fields.get('headers[message_id]'));
      return { kind: 'message', provider: 'cloudmailin', providerMessageId: id ?? contentId(request.raw), contentHash: formContentHash(parsed) };
    }
    const id = firstMessageId(String((json(request).headers as Record<string, unknown> | undefined)?.message_id ?? ''));
    return {
      kind: 'message',
      provider: 'cloudmailin',
      providerMessageId: id ?? contentId(request.raw),
      contentHash: createHash('sha256').update(request.raw).digest(),
    };
  }

  // Postmark: the inbound webhook token, in the URL or a header.
  const postmarkToken = request.header('x-postmark-token') ?? request.query('token');
  if (postmarkToken !== undefined) {
    if (!matchesSecret(postmarkToken, secrets.postmarkToken)) throw unauthorized('Postmark token does not match');
    const id = json(request).MessageID;
    if (typeof id !== 'string' || id === '') throw new WebhookRejected(400, 'Postmark message without MessageID');
    return { kind: 'message', provider: 'postmark', providerMessageId: id };
  }

  // Mailgun: timestamp, token and signature fields in the form.
  if (isForm) {
    const parsed = await form(request);
    const fields = parsed.fields;
    const timestamp = fields.get('timestamp') ?? '';
    const token = fields.get('token') ?? '';
    const signature = fields.get('signature') ?? '';
    if (!secrets.mailgunSigningKey || !token || !signature) throw unauthorized('unsigned form: not a Mailgun request Relay can verify');
    if (!isFreshTimestamp(timestamp, deps.now(), REPLAY_WINDOW_SECONDS)) throw unauthorized('Mailgun timestamp is stale');
    if (!verifyHmacSha256Hex(secrets.mailgunSigningKey, timestamp + token, signature)) throw unauthorized('Mailgun signature does not verify');
    let headerPairs: [string, string][];
    try {
      headerPairs = JSON.parse(fields.get('message-headers') ?? '[]') as [string, string][];
    } catch {
      headerPairs = [];
    }
    const id =
      firstMessageId(fields.get('Message-Id')) ??
      firstMessageId(headerPairs.find(([name]) => name.toLowerCase() === 'message-id')?.[1]) ??
      mimeMessageId(fields.get('body-mime'));
    return {
      kind: 'message',
      provider: 'mailgun',
      providerMessageId: id ?? contentId(request.raw),
      contentHash: formContentHash(parsed, MAILGUN_SIGNATURE_FIELDS),
      // Mailgun signs the timestamp and token, not the body: the token may carry one message only.
      nonce: { value: token, expiresAt: new Date(deps.now() + 2 * REPLAY_WINDOW_SECONDS * 1000) },
    };
  }

  throw unauthorized('not a signed request from a supported email provider');
}
