// Bundles the workflow code the way the worker does. The bundler refuses Node built-ins
// and other non-deterministic imports, so this fails when workflow code reaches for I/O.
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../src/worker/worker.js';

const { code } = await bundleWorkflowCode({
  workflowsPath: workflowsPath(),
  logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
});
console.log(`workflow bundle ok (${(code.length / 1024).toFixed(0)} KiB)`);
