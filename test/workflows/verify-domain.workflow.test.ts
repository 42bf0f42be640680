import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Activities } from '../../src/worker/activities.js';
import { domainWorkflowId } from '../../src/temporal/ids.js';
import type { VerifyDomainInput } from '../../src/temporal/inputs.js';
import { checkDomainNowSignal } from '../../src/temporal/signals.js';
import '../support/stack.js';

let connection: Connection;
let client: Client;

beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});
afterAll(() => connection?.close());

type State = 'pending' | 'verified' | 'failed' | 'deleted';

/** Runs verifyDomainWorkflow on a fresh worker; SES answers `answers` in turn (the last one from then on). */
async function runVerification(answers: State[], checks: VerifyDomainInput['checks'], during?: (workflowId: string, checkTimes: number[]) => Promise<void>) {
  const taskQueue = `wf-${randomUUID()}`;
  const checkTimes: number[] = [];
  const finished: string[] = [];
  const published: string[] = [];
  const activities: Partial<Activities> = {
    async checkDomainIdentity() {
      checkTimes.push(Date.now());
      const state = answers[Math.min(checkTimes.length - 1, answers.length - 1)]!;
      return { state };
    },
    async finishDomain({ outcome }) {
      finished.push(outcome);
      return {
        webhookEventIds: [],
        busEvent: { id: randomUUID(), type: `relay.domain.${outcome}` as const, occurred_at: new Date().toISOString(), org_id: 'org-1', data: {} },
      };
    },
    async publishBusEvent(event) {
      published.push(event.type);
      return { published: true };
    },
  };
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({ connection: native, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') }, activities });
  const domainId = randomUUID();
  try {
    const result = await worker.runUntil(async () => {
      const handle = await client.workflow.start('verifyDomainWorkflow', {
        taskQueue,
        workflowId: domainWorkflowId(domainId),
        args: [{ orgId: 'org-1', domainId, checks }],
      });
      await during?.(handle.workflowId, checkTimes);
      return handle.result();
    });
    return { result, checkTimes, finished, published };
  } finally {
    await native.close();
  }
}

const gaps = (times: number[]) => times.slice(1).map((time, index) => time - times[index]!);

describe('verifyDomainWorkflow', () => {
  it('checks at once, then backs off (doubling up to the maximum) until SES verifies the domain', async () => {
    const { result, checkTimes, finished, published } = await runVerification(['pending', 'pending', 'pending', 'verified'], {
      firstIntervalMs: 1000,
      maxIntervalMs: 2000,
      giveUpAfterMs: 60_000,
    });
    expect(result).toEqual({ outcome: 'verified' });
    expect(checkTimes).toHaveLength(4);
    // Timers never fire early (the dev server fires them on whole seconds): each wait is at least its place in the schedule.
    const waited = gaps(checkTimes);
    [1000, 2000, 2000].forEach((floor, index) => expect(waited[index]).toBeGreaterThanOrEqual(floor - 5));
    expect(finished).toEqual(['verified']);
    expect(published).toEqual(['relay.domain.verified']);
  });

  it('fails the domain when SES gives up, without waiting for the timeout', async () => {
    const { result, checkTimes, finished, published } = await runVerification(['pending', 'failed'], {
      firstIntervalMs: 500,
      maxIntervalMs: 500,
      giveUpAfterMs: 60_000,
    });
    expect(result).toEqual({ outcome: 'failed' });
    expect(checkTimes).toHaveLength(2);
    expect(finished).toEqual(['failed']);
    expect(published).toEqual(['relay.domain.failed']);
  });

  it('fails the domain when it is still pending after the timeout', async () => {
    const started = Date.now();
    const { result, checkTimes, finished } = await runVerification(['pending'], { firstIntervalMs: 500, maxIntervalMs: 500, giveUpAfterMs: 1000 });
    expect(result).toEqual({ outcome: 'failed' });
    expect(finished).toEqual(['failed']);
    expect(checkTimes.length).toBeGreaterThanOrEqual(2);
    expect(checkTimes.at(-1)! - started).toBeGreaterThanOrEqual(1000 - 5);
  });

  it('checks at once on "check now", whatever the schedule says', async () => {
    const { result, checkTimes } = await runVerification(
      ['pending', 'verified'],
      { firstIntervalMs: 3_600_000, maxIntervalMs: 3_600_000, giveUpAfterMs: 7_200_000 },
      async (workflowId, times) => {
        while (times.length === 0) await new Promise((wake) => setTimeout(wake, 20));
        await client.workflow.getHandle(workflowId).signal(checkDomainNowSignal);
      },
    );
    expect(result).toEqual({ outcome: 'verified' });
    expect(checkTimes).toHaveLength(2);
  });

  it('ends without an announcement when the domain is deleted', async () => {
    const { result, checkTimes, finished, published } = await runVerification(['pending', 'deleted'], {
      firstIntervalMs: 500,
      maxIntervalMs: 500,
      giveUpAfterMs: 60_000,
    });
    expect(result).toEqual({ outcome: 'deleted' });
    expect(checkTimes).toHaveLength(2);
    expect(finished).toEqual([]);
    expect(published).toEqual([]);
  });

  it('runs in production on SES’s schedule: every 30 s at first, backing off to 15 min, failing after 72 h', () => {
    expect(loadConfig({}).domains.checks).toEqual({ firstIntervalMs: 30_000, maxIntervalMs: 900_000, giveUpAfterMs: 72 * 3_600_000 });
  });
});
