import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSnsVerifier, SnsVerificationError } from '../src/security/sns.js';
import { CERT_URL, makeSigningCertificate, signSnsMessage, TOPIC_ARN } from './support/sns.js';

const { key, certificate } = makeSigningCertificate();

function verifierServing(fetched: string[] = []) {
  return createSnsVerifier({
    allowedTopicArns: [TOPIC_ARN],
    fetchCertificate: async (url) => {
      fetched.push(url);
      return certificate;
    },
  });
}

const notification = (overrides: Record<string, string> = {}) =>
  signSnsMessage(key, { Type: 'Notification', MessageId: randomUUID(), TopicArn: TOPIC_ARN, Message: '{}', Timestamp: new Date().toISOString(), ...overrides });

async function refusal(verifier: ReturnType<typeof createSnsVerifier>, body: unknown): Promise<string | undefined> {
  try {
    await verifier.verify(JSON.stringify(body));
    return undefined;
  } catch (error) {
    if (error instanceof SnsVerificationError) return error.message;
    throw error;
  }
}

describe('SNS message verification (AWS reference validator rules)', () => {
  it('accepts a fresh, signed message with its certificate on an SNS regional host', async () => {
    expect(await refusal(verifierServing(), notification())).toBeUndefined();
  });

  it.each([
    ['an S3 bucket host', 'https://sns.s3.amazonaws.com/cert.pem'],
    ['a two-letter "region"', 'https://sns.xx.amazonaws.com/cert.pem'],
    ['a lookalike domain', 'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem'],
    ['a port', 'https://sns.us-east-1.amazonaws.com:8443/cert.pem'],
    ['a non-.pem path', 'https://sns.us-east-1.amazonaws.com/cert.txt'],
  ])('refuses a certificate on %s, before fetching it', async (_name, url) => {
    const fetched: string[] = [];
    expect(await refusal(verifierServing(fetched), notification({ SigningCertURL: url }))).toMatch(/certificate/);
    expect(fetched).toEqual([]);
  });

  it('refuses a stale message and one dated in the future', async () => {
    const hourAndMore = new Date(Date.now() - 61 * 60_000).toISOString();
    expect(await refusal(verifierServing(), notification({ Timestamp: hourAndMore }))).toMatch(/stale|old/);
    expect(await refusal(verifierServing(), notification({ Timestamp: new Date(Date.now() + 10 * 60_000).toISOString() }))).toMatch(/future/);
    expect(await refusal(verifierServing(), notification({ Timestamp: 'yesterday' }))).toMatch(/Timestamp/);
  });

  it('keeps a bounded number of certificates', async () => {
    const fetched: string[] = [];
    const verifier = verifierServing(fetched);
    for (let index = 0; index < 120; index += 1) {
      await verifier.verify(JSON.stringify(notification({ SigningCertURL: CERT_URL.replace('.pem', `-${index}.pem`) })));
    }
    // The first certificate was evicted, so verifying with it again fetches it again.
    await verifier.verify(JSON.stringify(notification({ SigningCertURL: CERT_URL.replace('.pem', '-0.pem') })));
    expect(fetched.filter((url) => url.endsWith('-0.pem'))).toHaveLength(2);
    expect(verifier.cachedCertificates()).toBeLessThanOrEqual(100);
  });
});
