import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Activities } from '../../src/worker/activities.js';
import { supportAddressWorkflowId } from '../../src/temporal/ids.js';
import '../support/stack.js';

let connection: Connection;
let client: Client;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});
afterAll(() => connection?.close());

/** Runs verifySupportAddressWorkflow; the DNS check answers `states` in turn (the last one from then on). */
async function runProof(states: ('pending' | 'active' | 'deleted')[], giveUpAfterMs: number) {
  const taskQueue = `wf-${randomUUID()}`;
  const calls: string[] = [];
  let checks = 0;
  const activities: Partial<Activities> = {
    async sendAddressConfirmation() {
      calls.push('mail');
      return { sent: true };
    },
    async checkSupportAddressDns() {
      calls.push('dns');
      return states[Math.min(checks++, states.length - 1)]!;
    },
    async expireSupportAddress() {
      calls.push('expire');
    },
  };
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({ connection: native, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') }, activities });
  try {
    const claimId = randomUUID();
    const result = await worker.runUntil(
      client.workflow.execute('verifySupportAddressWorkflow', {
        taskQueue,
        workflowId: supportAddressWorkflowId(claimId),
        args: [{ claimId, checks: { firstIntervalMs: 500, maxIntervalMs: 500, giveUpAfterMs } }],
      }),
    );
    return { result, calls };
  } finally {
    await native.close();
  }
}

describe('verifySupportAddressWorkflow', () => {
  it('mails the code once, then looks for the TXT record until the claim is proven', async () => {
    const { result, calls } = await runProof(['pending', 'pending', 'active'], 60_000);
    expect(result).toEqual({ outcome: 'active' });
    expect(calls).toEqual(['mail', 'dns', 'dns', 'dns']);
  });

  it('drops a claim still unproven when its time is up', async () => {
    const { result, calls } = await runProof(['pending'], 1000);
    expect(result).toEqual({ outcome: 'expired' });
    expect(calls[0]).toBe('mail');
    expect(calls.at(-1)).toBe('expire');
  });
});
