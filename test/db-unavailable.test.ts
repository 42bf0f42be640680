import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../src/db/unavailable.js';

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
