import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

const draft07 = createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-07.json') as object;

/** `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`; `$${` is an escaped dollar. */
const REFERENCE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^}])*))?\}/g;

/** The KEY=value lines of an env file (comments and blank lines skipped). */
export function parseEnvFile(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) entries.set(match[1]!, match[2]!.trim());
  }
  return entries;
}

/**
 * Checks a compose file as Compose would load it with `.env.example` filled in: every
 * variable it needs without a default is listed in `.env.example`; the interpolated file
 * is valid against the Compose Specification's JSON schema; and it keeps Relay's
 * deployment rules (only the API published, loopback-only Temporal, API and worker
 * restarted and health-checked). Returns the problems, none when it is fine.
 */
export function checkCompose(composeText: string, envExampleText: string, schema: object): string[] {
  const problems: string[] = [];
  const envExample = parseEnvFile(envExampleText);

  const interpolated = composeText
    .replace(REFERENCE, (_whole, name: string, operator: string | undefined, operand: string | undefined) => {
      const listed = envExample.get(name);
      const hasDefault = operator === ':-' || operator === '-';
      if (listed === undefined && !hasDefault) problems.push(`\${${name}} has no default and is not in .env.example`);
      // Required values are blank in .env.example (so nobody deploys a placeholder): stand one in.
      return listed || (hasDefault ? (operand ?? '') : `example-${name.toLowerCase()}`);
    })
    .replaceAll('$$', '$');

  const document = parse(interpolated, { merge: true }) as ComposeFile;
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The schema names draft-07 by its https address; Ajv knows the same meta-schema by its http one.
  ajv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
  if (!ajv.validate(schema, document)) {
    for (const error of ajv.errors ?? []) problems.push(`schema: ${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
  }

  for (const [name, service] of Object.entries(document.services ?? {})) {
    for (const port of service.ports ?? []) {
      const published = typeof port === 'object' ? `${port.host_ip ?? ''}:${port.published ?? ''}` : String(port);
      const loopback = published.startsWith('127.0.0.1:');
      if (name !== 'relay-api' && !loopback) problems.push(`${name} publishes ${published} beyond 127.0.0.1: only relay-api may`);
    }
    if (/temporalio\/auto-setup/.test(service.image ?? '')) problems.push(`${name} uses temporalio/auto-setup: set the schema up with temporalio/admin-tools`);
  }
  for (const name of ['relay-api', 'relay-worker']) {
    const service = document.services?.[name];
    if (!service) problems.push(`${name} is missing`);
    else {
      if (!service.restart || service.restart === 'no') problems.push(`${name} has no restart policy`);
      if (!service.healthcheck?.test) problems.push(`${name} has no health check`);
    }
  }
  return problems;
}

interface ComposeFile {
  services?: Record<
    string,
    {
      image?: string;
      restart?: string;
      healthcheck?: { test?: unknown };
      ports?: (string | number | { host_ip?: string; published?: string | number })[];
    }
  >;
}
