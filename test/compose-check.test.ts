import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCompose } from '../scripts/compose-check.js';

const root = resolve(import.meta.dirname, '..');
const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const envExample = readFileSync(join(root, '.env.example'), 'utf8');
const schema = JSON.parse(
  readFileSync(join(dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'schemas', 'compose.schema.json'), 'utf8'),
) as object;

function edited(from: string, to: string): string {
  expect(compose).toContain(from);
  return compose.replace(from, to);
}

describe('npm run check:compose', () => {
  it('accepts the committed docker-compose.yml with .env.example', () => {
    expect(checkCompose(compose, envExample, schema)).toEqual([]);
  });

  it('refuses what the Compose Specification refuses', () => {
    const problems = checkCompose(edited("    command: ['migrate']", "    comand: ['migrate']"), envExample, schema);
    expect(problems.some((problem) => problem.startsWith('schema: /services/relay-migrate') && problem.includes('comand'))).toBe(true);
  });

  it('refuses a required variable that .env.example does not list', () => {
    const problems = checkCompose(edited('LOG_LEVEL: ${LOG_LEVEL:-info}', 'LOG_LEVEL: ${RELAY_LOG_LEVEL:?set it}'), envExample, schema);
    expect(problems).toEqual(['${RELAY_LOG_LEVEL} has no default and is not in .env.example']);
  });

  it("refuses Temporal's port published beyond loopback, and a worker without a health check", () => {
    let text = edited("'127.0.0.1:7233:7233'", "'7233:7233'");
    text = text.replace(/( {2}relay-worker:\n(?:.*\n)*?) {4}healthcheck:\n(?: {6}.*\n)+/, '$1');
    expect(checkCompose(text, envExample, schema)).toEqual([
      'temporal publishes 7233:7233 beyond 127.0.0.1: only relay-api may',
      'relay-worker has no health check',
    ]);
  });
});
