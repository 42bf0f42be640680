// npm run check:compose: docker-compose.yml against the Compose Specification's JSON schema
// (shipped by the dclint package) and Relay's deployment rules; there is no Docker engine in CI.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { checkCompose } from './compose-check.js';

const root = resolve(import.meta.dirname, '..');
const schemaPath = join(dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
const [compose, envExample, schema] = await Promise.all([
  readFile(join(root, 'docker-compose.yml'), 'utf8'),
  readFile(join(root, '.env.example'), 'utf8'),
  readFile(schemaPath, 'utf8').then((text) => JSON.parse(text) as object),
]);
const problems = checkCompose(compose, envExample, schema);
for (const problem of problems) console.error(`docker-compose.yml: ${problem}`);
if (problems.length > 0) process.exit(1);
console.log('docker-compose.yml: valid against the Compose Specification; .env.example lists every required variable');
