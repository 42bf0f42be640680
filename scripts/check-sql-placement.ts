// Fails when a query builder appears outside repository modules: SQL lives in
// src/**/repository.ts, src/**/*-repository.ts and migrations, nowhere else.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const QUERY = /\.(selectFrom|insertInto|updateTable|deleteFrom)\(/;
const ALLOWED = /(^|\/)([\w-]+-)?repository\.ts$|^src\/db\/migrations\//;

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => file.endsWith('.ts') && !ALLOWED.test(file));
const offenders = files.flatMap((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) => (QUERY.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
);
if (offenders.length > 0) {
  console.error(`SQL outside repository modules (${offenders.length}):\n${offenders.join('\n')}`);
  process.exit(1);
}
console.log(`SQL placement ok (${files.length} non-repository files checked)`);
