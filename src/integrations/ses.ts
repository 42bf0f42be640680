import { SendEmailCommand, SESv2Client, SESv2ServiceException, type MessageTag } from '@aws-sdk/client-sesv2';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config.js';
import type { EmailContent } from '../db/tables/emails.js';

export interface SesMessage {
  content: EmailContent;
  /** SES message tags: the caller's tags plus Relay's own correlation tags. */
  tags: Record<string, string>;
}

export interface SesSender {
  /** Sends one message and returns SES's message id. Throws non-retryable failures for permanent rejections. */
  send(message: SesMessage): Promise<string>;
}

/** SES error names that mean "slow down": retried with backoff, whatever their HTTP status. */
const THROTTLING_ERRORS = new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException', 'Throttling']);

/** SES error names that mean "this message will never be accepted as it is". */
const PERMANENT_ERRORS = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'SendingPausedException',
  'BadRequestException',
  'NotFoundException',
]);

export function createSesClient(config: Config['ses']): SESv2Client {
  return new SESv2Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // Temporal owns every retry; the SDK's own retry loop would hide throttling from it.
    maxAttempts: 1,
    // A copy: the SDK annotates the credentials object it is given, and Config is frozen.
    ...(config.credentials ? { credentials: { ...config.credentials } } : {}),
  });
}

export function createSesSender(client: SESv2Client, options: { configurationSet: string | undefined }): SesSender {
  return {
    async send({ content, tags }) {
      const command = new SendEmailCommand({
        FromEmailAddress: content.from,
        Destination: { ToAddresses: content.to, CcAddresses: content.cc, BccAddresses: content.bcc },
        ReplyToAddresses: content.reply_to,
        ConfigurationSetName: options.configurationSet,
        EmailTags: Object.entries(tags).map(([Name, Value]): MessageTag => ({ Name, Value })),
        Content: {
          Simple: {
            Subject: { Data: content.subject, Charset: 'UTF-8' },
            Body: {
              ...(content.html !== null ? { Html: { Data: content.html, Charset: 'UTF-8' } } : {}),
              ...(content.text !== null ? { Text: { Data: content.text, Charset: 'UTF-8' } } : {}),
            },
            Headers: Object.entries(content.headers).map(([Name, Value]) => ({ Name, Value })),
            Attachments: content.attachments.map((attachment) => ({
              FileName: attachment.filename,
              ContentType: attachment.content_type,
              RawContent: Buffer.from(attachment.content, 'base64'),
            })),
          },
        },
      });
      try {
        const result = await client.send(command);
        if (!result.MessageId) throw new Error('SES accepted the message without a message id');
        return result.MessageId;
      } catch (error) {
        throw classifySesError(error);
      }
    },
  };
}

/**
 * The one place SES failures are sorted: permanent rejections and other 4xx answers
 * (but throttling, 408 and 429) become non-retryable; everything else stays retryable.
 */
export function classifySesError(error: unknown): unknown {
  if (!(error instanceof SESv2ServiceException)) return error;
  const status = error.$metadata.httpStatusCode ?? 0;
  const throttled = THROTTLING_ERRORS.has(error.name) || status === 429 || status === 408;
  if (throttled) return error;
  if (PERMANENT_ERRORS.has(error.name) || (status >= 400 && status < 500)) {
    return ApplicationFailure.nonRetryable(`SES rejected the message: ${error.name}: ${error.message}`, 'SesRejected');
  }
  return error;
}
