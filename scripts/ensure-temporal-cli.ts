// Finds the Temporal CLI (PATH, .tools/, ~/.cache/relay/bin) or builds it once with go install.
import { resolve } from 'node:path';
import { ensureTemporalCli } from '../src/dev/temporal-server.js';

const binary = await ensureTemporalCli(resolve(import.meta.dirname, '..'), process.env.PATH ?? '', (line) => console.log(line));
console.log(`Temporal CLI: ${binary}`);
