import { execFileSync } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snsStringToSign, type SnsMessage } from '../../src/security/sns.js';

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:relay-ses-events';
export const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';

/** A key pair and self-signed certificate made for the test run, as SNS's signing certificate. */
export function makeSigningCertificate(): { key: string; certificate: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sns-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=sns.amazonaws.com',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), certificate: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Unsigned = Omit<SnsMessage, 'Signature' | 'SignatureVersion' | 'SigningCertURL'> & Partial<Pick<SnsMessage, 'SignatureVersion' | 'SigningCertURL'>>;

/** Signs a message exactly as SNS does: the canonical string, RSA with SHA1 (v1) or SHA256 (v2), base64. */
export function signSnsMessage(key: string, message: Unsigned): SnsMessage {
  const full = { SignatureVersion: '1' as const, SigningCertURL: CERT_URL, ...message, Signature: '' };
  const signer = createSign(full.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(snsStringToSign(full));
  return { ...full, Signature: signer.sign(key, 'base64') };
}

/** An SNS Notification carrying one SES event record. */
export function sesNotification(key: string, record: Record<string, unknown>, overrides: Partial<Unsigned> = {}): SnsMessage {
  return signSnsMessage(key, {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: TOPIC_ARN,
    Message: JSON.stringify(record),
    Timestamp: new Date().toISOString(),
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:sub`,
    ...overrides,
  });
}

/** SES event publishing records, shaped as SES writes them. */
export const sesEvents = {
  mail(sesMessageId: string, destination: string[], tags: Record<string, string[]> = {}) {
    return {
      timestamp: new Date().toISOString(),
      source: 'sender@example.com',
      sourceArn: 'arn:aws:ses:us-east-1:123456789012:identity/example.com',
      sendingAccountId: '123456789012',
      messageId: sesMessageId,
      destination,
      headersTruncated: false,
      tags: { 'ses:configuration-set': ['relay-test'], ...tags },
      commonHeaders: { from: ['sender@example.com'], to: destination, messageId: sesMessageId, subject: 'test' },
    };
  },
  delivery(mail: object, recipients: string[]) {
    return {
      eventType: 'Delivery',
      mail,
      delivery: {
        timestamp: new Date().toISOString(),
        processingTimeMillis: 512,
        recipients,
        smtpResponse: '250 2.6.0 Message received',
        reportingMTA: 'a8-70.smtp-out.amazonses.com',
      },
    };
  },
  bounce(mail: object, recipients: string[], bounceType = 'Permanent', bounceSubType = 'General') {
    return {
      eventType: 'Bounce',
      mail,
      bounce: {
        bounceType,
        bounceSubType,
        bouncedRecipients: recipients.map((emailAddress) => ({
          emailAddress,
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        })),
        timestamp: new Date().toISOString(),
        feedbackId: randomUUID(),
        reportingMTA: 'dsn; e226-55.smtp-out.amazonses.com',
      },
    };
  },
  complaint(mail: object, recipients: string[]) {
    return {
      eventType: 'Complaint',
      mail,
      complaint: {
        complainedRecipients: recipients.map((emailAddress) => ({ emailAddress })),
        timestamp: new Date().toISOString(),
        feedbackId: randomUUID(),
        userAgent: 'Mozilla/5.0',
        complaintFeedbackType: 'abuse',
        arrivalDate: new Date().toISOString(),
      },
    };
  },
  open(mail: object) {
    return { eventType: 'Open', mail, open: { ipAddress: '192.0.2.1', timestamp: new Date().toISOString(), userAgent: 'Mozilla/5.0' } };
  },
  click(mail: object, link: string) {
    return { eventType: 'Click', mail, click: { ipAddress: '192.0.2.1', timestamp: new Date().toISOString(), userAgent: 'Mozilla/5.0', link, linkTags: {} } };
  },
  send(mail: object) {
    return { eventType: 'Send', mail, send: {} };
  },
  reject(mail: object) {
    return { eventType: 'Reject', mail, reject: { reason: 'Bad content' } };
  },
  renderingFailure(mail: object) {
    return { eventType: 'Rendering Failure', mail, failure: { errorMessage: 'Attribute name is missing', templateName: 'welcome' } };
  },
  deliveryDelay(mail: object, recipients: string[]) {
    return {
      eventType: 'DeliveryDelay',
      mail,
      deliveryDelay: {
        timestamp: new Date().toISOString(),
        delayType: 'MailboxFull',
        expirationTime: new Date(Date.now() + 3600_000).toISOString(),
        delayedRecipients: recipients.map((emailAddress) => ({ emailAddress, status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 mailbox full' })),
      },
    };
  },
};
