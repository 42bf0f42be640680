// Bundles the workflow code the way the worker does. The bundler refuses Node built-ins
// and other non-deterministic imports, so this fails when workflow code reaches for I/O.
// With a path (npm run build: dist/workflow-bundle.js) it also writes the bundle there,
// which a compiled worker then starts from instead of bundling at start.
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../src/worker/worker.js';

const [outPath] = process.argv.slice(2);
const { code } = await bundleWorkflowCode({
  workflowsPath: workflowsPath(),
  logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
});
if (outPath) await writeFile(outPath, code);
console.log(`workflow bundle ok (${(code.length / 1024).toFixed(0)} KiB)${outPath ? `, written to ${outPath}` : ''}`);
