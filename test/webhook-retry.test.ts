import { describe, expect, it } from 'vitest';
import { nextWaitMs, parseRetryAfter } from '../src/webhooks/retry.js';

const now = Date.parse('2026-11-29T10:00:00.000Z');

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sunday, 29-Nov-26 10:01:00 GMT', now)).toBe(60_000);
    // A date in the past asks for no wait at all.
    expect(parseRetryAfter('Sun, 29 Nov 2026 09:00:00 GMT', now)).toBe(0);
    for (const unreadable of [undefined, null, '', '-5', '1.5', 'soon', 'tomorrow 3pm', '99999999999'])
      expect(parseRetryAfter(unreadable, now)).toBeUndefined();
  });
});

describe('the wait before the next attempt', () => {
  const lowest = () => 0;
  const highest = () => 0.999_999;

  it('is the schedule step within ±10 %', () => {
    expect(nextWaitMs(60_000, undefined, lowest)).toBe(54_000);
    expect(nextWaitMs(60_000, undefined, () => 0.5)).toBe(60_000);
    expect(nextWaitMs(60_000, undefined, highest)).toBe(66_000);
  });

  it('follows a longer Retry-After, never earlier than asked and at most 5 % later', () => {
    expect(nextWaitMs(60_000, 90_000, lowest)).toBe(90_000);
    expect(nextWaitMs(60_000, 90_000, highest)).toBe(94_500);
  });

  it('caps a Retry-After at twice the step', () => {
    expect(nextWaitMs(60_000, 86_400_000, lowest)).toBe(120_000);
    expect(nextWaitMs(60_000, 86_400_000, highest)).toBe(120_000);
  });

  it('keeps the schedule when the receiver asks for less', () => {
    expect(nextWaitMs(60_000, 10_000, () => 0.5)).toBe(60_000);
  });
});
