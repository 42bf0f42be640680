import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, inject } from 'vitest';
import { registerSearchAttributes } from '../../src/temporal/register-search-attributes.js';

/**
 * A client of the tests' Temporal server for one test file, with Relay's search attributes
 * registered (workflows that tag their runs need them); closed after the file's tests.
 */
export function temporalClientForFile(): () => Client {
  let connection: Connection | undefined;
  let client: Client | undefined;
  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection });
    await registerSearchAttributes(client, 'default');
  });
  afterAll(() => connection?.close());
  return () => {
    if (!client) throw new Error('the Temporal client is connected in beforeAll');
    return client;
  };
}
