import { SESv2ServiceException } from '@aws-sdk/client-sesv2';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { classifySesError } from '../src/integrations/ses.js';

const sesError = (name: string, status: number) =>
  new SESv2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });

describe('classifySesError', () => {
  it.each([
    ['MessageRejected', 400],
    ['MailFromDomainNotVerifiedException', 400],
    ['AccountSuspendedException', 400],
    ['SendingPausedException', 400],
    ['BadRequestException', 400],
  ])('makes %s non-retryable', (name, status) => {
    const classified = classifySesError(sesError(name, status));
    expect(classified).toBeInstanceOf(ApplicationFailure);
    expect(classified).toMatchObject({ nonRetryable: true, type: 'SesRejected' });
  });

  it.each([
    ['TooManyRequestsException', 429],
    ['LimitExceededException', 400],
    ['ThrottlingException', 400],
    ['InternalFailure', 500],
    ['ServiceUnavailable', 503],
  ])('leaves %s retryable', (name, status) => {
    const error = sesError(name, status);
    expect(classifySesError(error)).toBe(error);
  });

  it('leaves network errors retryable', () => {
    const error = new Error('socket hang up');
    expect(classifySesError(error)).toBe(error);
  });
});
