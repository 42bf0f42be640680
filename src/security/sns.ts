import { createVerify } from 'node:crypto';
import { z } from 'zod';

/**
 * Verification of Amazon SNS HTTP(S) deliveries, as AWS documents it: the signing
 * certificate must come over https from an SNS host, the signature (SHA1 for version 1,
 * SHA256 for version 2) must verify over the canonical string of the message's fields,
 * and the topic must be one Relay subscribed to.
 */

export const snsMessageSchema = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1).max(128),
  TopicArn: z.string().min(1).max(512),
  Message: z.string(),
  Timestamp: z.string().min(1),
  SignatureVersion: z.enum(['1', '2']),
  Signature: z.string().min(1),
  SigningCertURL: z.string().min(1),
  Subject: z.string().optional(),
  SubscribeURL: z.string().optional(),
  Token: z.string().optional(),
  UnsubscribeURL: z.string().optional(),
});

export type SnsMessage = z.infer<typeof snsMessageSchema>;

/** Fetches a signing certificate (PEM). Injected: production reads it over https, tests serve their own. */
export type CertificateFetcher = (url: string) => Promise<string>;

export class SnsVerificationError extends Error {
  override name = 'SnsVerificationError';
}

// AWS's reference validator (aws-js-sns-message-validator): a region label of three or more characters.
const SNS_HOST = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;
/** Certificates kept per process; SNS rotates through a handful. */
const MAX_CACHED_CERTIFICATES = 100;
/** SNS retries an HTTP delivery for at most an hour; a message older than that is a replay. */
const MAX_MESSAGE_AGE_MS = 3600_000;
/** Clock skew tolerated for a Timestamp in the future. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** True for an https URL on an SNS host: where certificates and subscribe links must point. */
export function isSnsUrl(value: string, pathSuffix = ''): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.port === '' && SNS_HOST.test(url.hostname) && url.pathname.endsWith(pathSuffix) && !url.username && !url.password;
}

const SIGNED_FIELDS = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
} as const;

/** The string SNS signs: each present field as "Name\nvalue\n", in AWS's fixed order. */
export function snsStringToSign(message: SnsMessage): string {
  return SIGNED_FIELDS[message.Type]
    .filter((field) => message[field] !== undefined)
    .map((field) => `${field}\n${message[field]}\n`)
    .join('');
}

export function createSnsVerifier(options: { fetchCertificate: CertificateFetcher; allowedTopicArns: readonly string[]; now?: () => number }) {
  const now = options.now ?? Date.now;
  // Least recently used first (a Map keeps insertion order).
  const certificates = new Map<string, Promise<string>>();
  const certificateFor = (url: string) => {
    let certificate = certificates.get(url);
    if (certificate) {
      certificates.delete(url);
    } else {
      certificate = options.fetchCertificate(url);
      // A failed fetch is not cached: the next message tries again.
      certificate.catch(() => certificates.delete(url));
    }
    certificates.set(url, certificate);
    while (certificates.size > MAX_CACHED_CERTIFICATES) certificates.delete(certificates.keys().next().value!);
    return certificate;
  };

  return {
    /** Parses and verifies a raw SNS body; throws SnsVerificationError when anything is off. */
    async verify(rawBody: string): Promise<SnsMessage> {
      let json: unknown;
      try {
        json = JSON.parse(rawBody);
      } catch {
        throw new SnsVerificationError('body is not JSON');
      }
      const parsed = snsMessageSchema.safeParse(json);
      if (!parsed.success) throw new SnsVerificationError('not an SNS message');
      const message = parsed.data;
      if (!isSnsUrl(message.SigningCertURL, '.pem')) throw new SnsVerificationError('signing certificate is not on an https SNS host');
      if (!options.allowedTopicArns.includes(message.TopicArn)) throw new SnsVerificationError(`topic ${message.TopicArn} is not allowed`);
      const sentAt = Date.parse(message.Timestamp);
      if (Number.isNaN(sentAt)) throw new SnsVerificationError('Timestamp is not a date');
      if (sentAt < now() - MAX_MESSAGE_AGE_MS) throw new SnsVerificationError('message is stale (older than an hour)');
      if (sentAt > now() + MAX_CLOCK_SKEW_MS) throw new SnsVerificationError('Timestamp is in the future');
      if (message.Type !== 'Notification' && !(message.SubscribeURL && message.Token)) {
        throw new SnsVerificationError('subscription message without SubscribeURL and Token');
      }

      let certificate: string;
      try {
        certificate = await certificateFor(message.SigningCertURL);
      } catch (error) {
        throw new SnsVerificationError(`cannot fetch the signing certificate: ${(error as Error).message}`);
      }
      const verifier = createVerify(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
      verifier.update(snsStringToSign(message), 'utf8');
      let valid: boolean;
      try {
        valid = verifier.verify(certificate, message.Signature, 'base64');
      } catch {
        valid = false;
      }
      if (!valid) throw new SnsVerificationError('signature does not verify');
      return message;
    },

    /** How many signing certificates are cached (bounded). */
    cachedCertificates: () => certificates.size,
  };
}

export type SnsVerifier = ReturnType<typeof createSnsVerifier>;
