// Bundles the workflow code the way the worker does. The bundler refuses Node built-ins
// and other non-deterministic imports, so this fails when workflow code reaches for I/O.
// With a directory (npm run build: dist) it also writes the bundle there, under the name a
// compiled worker looks for, and the worker then starts from it instead of bundling at start.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_FILE, workflowsPath } from '../src/worker/worker.js';

const [outDir] = process.argv.slice(2);
const outPath = outDir && join(outDir, WORKFLOW_BUNDLE_FILE);
const { code } = await bundleWorkflowCode({
  workflowsPath: workflowsPath(),
  logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
});
if (outPath) await writeFile(outPath, code);
console.log(`workflow bundle ok (${(code.length / 1024).toFixed(0)} KiB)${outPath ? `, written to ${outPath}` : ''}`);
