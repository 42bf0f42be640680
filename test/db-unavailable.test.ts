import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, retryWhileDatabaseUnavailable } from '../src/db/unavailable.js';

const pgError = (code: string, message = 'server says no') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('recognises a server that is down, shutting down, starting up, full, or a cut connection', () => {
    for (const error of [
      pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('57P03', 'the database system is starting up'),
      pgError('53300', 'sorry, too many clients already'),
      pgError('08006', 'connection failure'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      expect(isDatabaseUnavailable(error), error.message).toBe(true);
    }
  });

  it('leaves query errors and anything else to be internal errors', () => {
    for (const error of [pgError('23505', 'duplicate key value'), pgError('42P01', 'relation does not exist'), new Error('boom'), 'ECONNREFUSED']) {
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });
});

describe('retryWhileDatabaseUnavailable', () => {
  it('tries again while the database is unavailable, and returns what the work returns once it answers', async () => {
    let calls = 0;
    const result = await retryWhileDatabaseUnavailable(async () => {
      calls += 1;
      if (calls < 3) throw pgError('ECONNREFUSED');
      return 'recorded';
    }, 5_000);
    expect([result, calls]).toEqual(['recorded', 3]);
  });

  it('does not retry a query error, and gives up on an outage that outlasts its patience', async () => {
    let calls = 0;
    await expect(
      retryWhileDatabaseUnavailable(async () => {
        calls += 1;
        throw pgError('23505', 'duplicate key value');
      }, 5_000),
    ).rejects.toThrow('duplicate key value');
    expect(calls).toBe(1);
    await expect(retryWhileDatabaseUnavailable(() => Promise.reject(pgError('57P03', 'the database system is starting up')), 600)).rejects.toThrow(
      'starting up',
    );
  });
});
