import { inspect } from 'node:util';
import { Command, InvalidArgumentError } from 'commander';
import { sql } from 'kysely';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { startApiServer } from '../api/server.js';
import { ConfigError, describeDegradedModes, loadConfig, type Config } from '../config.js';
import { migrateToLatest } from '../db/migrate.js';
import { listSealedHeads, resealAllSecrets } from '../db/sealed-secrets-repository.js';
import { createApiKey, listApiKeys } from '../auth/repository.js';
import { describeCreator, isApiKeyId, revokeKey, rotateKey } from '../auth/api-key-management.js';
import { restApiKeyView } from '../auth/api-key-routes.js';
import { createOrganization, findOrganization } from '../auth/repository.js';
import { API_KEY_SCOPES, type ApiKeyScope } from '../db/tables/api-keys.js';
import { isUuid } from '../db/uuid.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics } from '../observability/metrics.js';
import { getInbound, listInbound } from '../inbound/repository.js';
import { replayArchivedInbound } from '../inbound/replay.js';
import { createSecretBox, generateEncryptionKey, keyIdOf, sealedKeyId, type SecretBox } from '../security/encryption.js';
import {
  checkPartnerUrls,
  createPartner,
  findPartner,
  liftPartnerSuspension,
  partnerRequest,
  partnerView,
  suspendPartner,
  suspendRequest,
} from '../partners/index.js';
import { replayWorkflow } from '../temporal/replay.js';
import { createWorkflowStarter } from '../temporal/workflow-starter.js';
import { installWorkerRuntime } from '../worker/runtime.js';
import { startWorker } from '../worker/start.js';
import { dailyUsageWorkflowId } from '../temporal/ids.js';
import { RelayKind } from '../temporal/search-attributes.js';
import { addDomain, checkDomainNow, DomainTaken, type DomainDeps } from '../domains/claim.js';
import { domainName, dnsRecordsOf, mailFromLabel } from '../domains/records.js';
import { findDomain, findDomainHolder, listDomains } from '../domains/repository.js';
import type { Domain } from '../db/tables/domains.js';
import { createSesClient } from '../integrations/ses.js';
import { createSesIdentities } from '../integrations/ses-identities.js';
import { acceptedToday, updateOrganizationLimits } from '../usage/limits-repository.js';
import { limitsView } from '../usage/limit-routes.js';
import { openDb, openTemporal, openWorkerConnection, operatorConfig, processConfig } from './runtime.js';
import { waitFor } from './wait-for.js';

const projectDir = new URL('../..', import.meta.url).pathname;

function parseScopes(value: string): ApiKeyScope[] {
  const scopes = value
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  const unknown = scopes.filter((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`scopes must be a comma-separated list of ${API_KEY_SCOPES.join(', ')}`);
  }
  return [...new Set(scopes)] as ApiKeyScope[];
}

function parseKeyId(value: string): string {
  if (!isApiKeyId(value)) throw new InvalidArgumentError('an API key id looks like rk_ and 16 hex digits');
  return value;
}

function parseUuid(value: string): string {
  if (!isUuid(value)) throw new InvalidArgumentError('expected a uuid');
  return value.toLowerCase();
}

function parseDate(value: string): string {
  const date = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  }
  return value;
}

function print(json: boolean, value: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

/** Runs `work` with a database handle that is closed afterwards. */
async function withDb<T>(config: Config, logger: Logger, work: (db: ReturnType<typeof openDb>) => Promise<T>): Promise<T> {
  const db = openDb(config, logger);
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** Parses a command-line value with a zod schema, or says what is wrong with it. */
function parsedWith(schema: { safeParse(value: string): { success: true; data: string } | { success: false; error: { issues: { message: string }[] } } }) {
  return (value: string): string => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues.map((issue) => issue.message).join('; '));
    return parsed.data;
  };
}

/** Runs `work` with what domain commands need: the database, SES identities and Temporal. */
async function withDomainDeps<T>(config: Config, logger: Logger, work: (deps: DomainDeps) => Promise<T>): Promise<T> {
  return withDb(config, logger, async (db) => {
    const client = await openTemporal(config);
    try {
      return await work({
        db,
        sesIdentities: createSesIdentities(createSesClient({ ...config.ses, endpoint: config.ses.identityEndpoint })),
        workflows: createWorkflowStarter(client, { taskQueue: config.temporal.taskQueue, metrics: createMetrics() }),
        checks: config.domains.checks,
      });
    } finally {
      await client.connection.close();
    }
  });
}

function describeDomain(domain: Domain, region: string): string {
  const records = dnsRecordsOf(domain, region).map(
    (record) =>
      `  ${record.type.padEnd(5)} ${record.name}  ${record.priority ? `${record.priority} ` : ''}${record.value}  (${record.required ? '' : 'recommended, '}${record.status})`,
  );
  return [`${domain.name}: ${domain.status} (${domain.id})`, ...records].join('\n');
}

/** The secret box of the operator commands: the keys of the environment (or of `relay dev` on this checkout). */
function secretBoxOf(config: Config): SecretBox {
  return createSecretBox(config.encryptionKey, config.previousEncryptionKeys);
}

type SecretsStatus = { key_id: string | null; previous_key_ids: readonly string[]; sealed_with: Record<string, number>; previous_keys_needed: boolean };

/** How many stored secrets each key seals (`v1`: sealed before key ids, by no key named), read from their heads alone. */
async function secretsStatus(db: ReturnType<typeof openDb>, box: SecretBox): Promise<SecretsStatus> {
  const sealedWith: Record<string, number> = {};
  for (const head of await listSealedHeads(db)) {
    const keyId = sealedKeyId(head) ?? 'v1';
    sealedWith[keyId] = (sealedWith[keyId] ?? 0) + 1;
  }
  return {
    key_id: box.keyId ?? null,
    previous_key_ids: box.previousKeyIds,
    sealed_with: sealedWith,
    previous_keys_needed: Object.keys(sealedWith).some((keyId) => keyId !== box.keyId),
  };
}

function describeSecretsStatus(status: SecretsStatus): string {
  const role = (keyId: string) =>
    keyId === status.key_id
      ? 'RELAY_ENCRYPTION_KEY'
      : status.previous_key_ids.includes(keyId)
        ? 'RELAY_ENCRYPTION_KEY_PREVIOUS'
        : keyId === 'v1'
          ? 'sealed before key ids, by whichever key opens it'
          : 'a key this process does not hold';
  const lines = Object.entries(status.sealed_with).map(([keyId, count]) => `  ${keyId.padEnd(16)}  ${String(count).padStart(6)}  ${role(keyId)}`);
  const needed = Object.entries(status.sealed_with)
    .filter(([keyId]) => keyId !== status.key_id)
    .reduce((sum, [, count]) => sum + count, 0);
  return [
    `RELAY_ENCRYPTION_KEY is key ${status.key_id ?? '(not set)'}; RELAY_ENCRYPTION_KEY_PREVIOUS holds ${status.previous_key_ids.join(', ') || 'no key'}`,
    'stored secrets by the key that sealed them:',
    ...(lines.length ? lines : ['  none']),
    needed
      ? `${needed} secret(s) are not sealed with RELAY_ENCRYPTION_KEY yet: run relay secrets reseal`
      : 'every secret is sealed with RELAY_ENCRYPTION_KEY: RELAY_ENCRYPTION_KEY_PREVIOUS can be removed',
  ].join('\n');
}

/** Resolves when SIGINT or SIGTERM arrives. */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

function buildProgram(logger: Logger): Command {
  const program = new Command('relay').description('Relay: email, inbound messages, webhooks and partner deliveries on Temporal');

  program
    .command('dev')
    .description('run everything on this machine: embedded PostgreSQL, Temporal dev server, SES emulator, API and worker')
    // Loaded only here: the embedded services are for `relay dev` alone.
    .action(async () => (await import('./dev.js')).runDev(loadConfig(), logger, projectDir, process.env));

  program
    .command('migrate')
    .description('apply database migrations')
    .action(() =>
      withDb(processConfig('migrate'), logger, async (db) => {
        const applied = await migrateToLatest(db);
        process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
      }),
    );

  program
    .command('api')
    .description('run the HTTP API')
    .action(async () => {
      const config = processConfig('api');
      for (const note of describeDegradedModes(config)) logger.warn(note);
      const db = openDb(config, logger);
      await waitFor('PostgreSQL', () => sql`select 1`.execute(db), logger);
      const temporal = await waitFor('Temporal', () => openTemporal(config), logger);
      const metrics = createMetrics({ defaultMetrics: true });
      const api = await startApiServer({ config, db, temporal, logger, metrics });
      logger.info({ url: api.url }, 'API listening');
      await untilSignal();
      await api.close();
      await temporal.connection.close();
      await db.destroy();
    });

  program
    .command('worker')
    .description('run the Temporal workers (main queue and the rate-limited SES queue)')
    .action(async () => {
      const config = processConfig('worker');
      for (const note of describeDegradedModes(config)) logger.warn(note);
      const temporalMetricsUrl = await installWorkerRuntime({ exportMetrics: config.worker.httpPort !== undefined });
      const db = openDb(config, logger);
      await waitFor('PostgreSQL', () => sql`select 1`.execute(db), logger);
      const client = await waitFor('Temporal', () => openTemporal(config), logger);
      const connection = await openWorkerConnection(config);
      const worker = await startWorker({ config, db, client, connection, logger, metrics: createMetrics({ defaultMetrics: true }), temporalMetricsUrl });
      await Promise.race([untilSignal(), worker.done]);
      await worker.shutdown();
      await connection.close();
      await client.connection.close();
      await db.destroy();
    });

  const orgs = program.command('orgs').description('organizations (tenants)');
  orgs
    .command('create')
    .requiredOption('--name <name>', 'organization name')
    .option('--hub-org-id <uuid>', "Hub's id of the organization, so its people can sign in through Hub (default: a new random id)", parseUuid)
    .option('--json', 'print JSON')
    .action((options: { name: string; hubOrgId?: string; json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        if (options.hubOrgId && (await findOrganization(db, options.hubOrgId)))
          throw new InvalidArgumentError(`an organization with id ${options.hubOrgId} exists already`);
        const org = await createOrganization(db, options.name, options.hubOrgId);
        print(Boolean(options.json), { id: org.id, name: org.name }, `organization ${org.name}: ${org.id}`);
      }),
    );

  /**
   * A positive number, or `default` for the deployment's default. Kept as the word here:
   * commander turns a parser's null into an empty string.
   */
  const limitValue =
    (integer: boolean) =>
    (value: string): number | 'default' => {
      if (value === 'default') return value;
      const number = Number(value);
      if (!(number > 0) || (integer && !Number.isInteger(number)))
        throw new InvalidArgumentError(`expected a positive ${integer ? 'integer' : 'number'} or "default"`);
      return number;
    };
  orgs
    .command('limits')
    .description("show or set an organization's daily send quota, API request rate and retention period")
    .requiredOption('--org <org>', 'organization id or name')
    .option('--daily-send-quota <n>', 'emails accepted per UTC day, or "default"', limitValue(true))
    .option('--api-rate <n>', 'API requests per second, or "default"', limitValue(false))
    .option('--retention-days <n>', 'days bodies, attachments, raw requests and delivery logs are kept, or "default"', limitValue(true))
    .option('--json', 'print JSON')
    .action(
      (options: { org: string; dailySendQuota?: number | 'default'; apiRate?: number | 'default'; retentionDays?: number | 'default'; json?: boolean }) => {
        const own = (value: number | 'default') => (value === 'default' ? null : value);
        const config = operatorConfig();
        return withDb(config, logger, async (db) => {
          const org = await findOrganization(db, options.org);
          if (!org) throw new InvalidArgumentError(`no organization ${options.org}`);
          const stored = await updateOrganizationLimits(db, org.id, {
            ...(options.dailySendQuota !== undefined ? { daily_send_quota: own(options.dailySendQuota) } : {}),
            ...(options.apiRate !== undefined ? { api_requests_per_second: own(options.apiRate) } : {}),
            ...(options.retentionDays !== undefined ? { retention_days: own(options.retentionDays) } : {}),
          });
          const view = limitsView(org.id, stored!, config.orgLimits, await acceptedToday(db, org.id));
          const shown = (value: number | null) => (value === null ? 'unlimited' : String(value));
          print(
            Boolean(options.json),
            view,
            `${org.name}: ${shown(view.effective.daily_send_quota)} emails per UTC day (${view.accepted_today} accepted today), ${shown(view.effective.api_requests_per_second)} API requests per second, content kept ${view.effective.retention_days} days`,
          );
        });
      },
    );

  const keys = program.command('keys').description('API keys');
  keys
    .command('create')
    .requiredOption('--org <org>', 'organization id or name')
    .requiredOption('--scopes <scopes>', `comma-separated: ${API_KEY_SCOPES.join(',')}`, parseScopes)
    .option('--name <name>', 'a label for the key')
    .option('--json', 'print JSON')
    .action((options: { org: string; scopes: ApiKeyScope[]; name?: string; json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const org = await findOrganization(db, options.org);
        if (!org) throw new InvalidArgumentError(`no organization ${options.org}`);
        const { key, record } = await createApiKey(db, {
          orgId: org.id,
          scopes: options.scopes,
          name: options.name,
          createdBy: describeCreator({ kind: 'cli' }),
        });
        print(
          Boolean(options.json),
          { id: record.id, key, org_id: org.id, scopes: record.scopes },
          `API key for ${org.name} (${record.scopes.join(',')}), shown once:\n${key}`,
        );
      }),
    );

  keys
    .command('list')
    .description("an organization's keys, newest first, revoked ones too (never a secret)")
    .requiredOption('--org <org>', 'organization id or name')
    .option('--limit <n>', 'how many', (value) => Number.parseInt(value, 10), 100)
    .option('--json', 'print JSON')
    .action((options: { org: string; limit: number; json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const org = await findOrganization(db, options.org);
        if (!org) throw new InvalidArgumentError(`no organization ${options.org}`);
        const rows = (await listApiKeys(db, org.id, { limit: options.limit })).map(restApiKeyView);
        if (options.json) return void process.stdout.write(`${JSON.stringify(rows)}\n`);
        for (const key of rows) {
          const state = key.revoked_at ? `revoked ${key.revoked_at}${key.replaced_by ? ` (rotated to ${key.replaced_by})` : ''}` : 'active';
          process.stdout.write(
            `${key.id}  ${key.scopes.join(',')}  ${key.name ?? '-'}  created ${key.created_at} by ${key.created_by ?? '-'}  last used ${key.last_used_at ?? 'never'}  ${state}\n`,
          );
        }
      }),
    );
  keys
    .command('revoke <id>')
    .description('revoke a key: every API process refuses it within a second')
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const revoked = await revokeKey(db, undefined, null, parseKeyId(id));
        if (!revoked) throw new InvalidArgumentError(`no active API key ${id}`);
        print(Boolean(options.json), restApiKeyView(revoked), `revoked ${revoked.id}`);
      }),
    );
  keys
    .command('rotate <id>')
    .description('a new key with the same name and scopes (shown once); the old one is revoked')
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const rotated = await rotateKey(db, undefined, null, parseKeyId(id), describeCreator({ kind: 'cli' }));
        if (!rotated) throw new InvalidArgumentError(`no active API key ${id}`);
        print(
          Boolean(options.json),
          { ...restApiKeyView(rotated.record), key: rotated.key, replaces: rotated.replaced.id },
          `API key ${rotated.record.id} replaces ${rotated.replaced.id} (revoked), shown once:\n${rotated.key}`,
        );
      }),
    );

  const partners = program.command('partners').description('RelayIt partners (OAuth clients receiving debrief deliveries)');
  partners
    .command('create')
    .requiredOption('--name <name>', 'partner name, shown on the consent page')
    .requiredOption('--redirect-uri <uri>', 'an exact OAuth redirect URI (repeat for more)', (value: string, list: string[] = []) => [...list, value])
    .requiredOption('--webhook-url <url>', 'where debrief deliveries are POSTed')
    .option('--error-url <url>', 'where the write_failed event goes after the last attempt')
    .option('--logo-url <url>', 'https logo for the consent page')
    .option('--json', 'print JSON')
    .action((options: { name: string; redirectUri: string[]; webhookUrl: string; errorUrl?: string; logoUrl?: string; json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const request = partnerRequest.safeParse({
          name: options.name,
          redirect_uris: options.redirectUri,
          webhook_url: options.webhookUrl,
          error_url: options.errorUrl,
          logo_url: options.logoUrl,
        });
        if (!request.success) throw new InvalidArgumentError(request.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
        await checkPartnerUrls(request.data, { allowInsecure: operatorConfig().webhooks.allowInsecure }).catch((error: unknown) => {
          throw new InvalidArgumentError((error as Error).message);
        });
        const { partner, credentials } = await createPartner(db, secretBoxOf(operatorConfig()), {
          name: request.data.name,
          redirectUris: request.data.redirect_uris,
          webhookUrl: request.data.webhook_url,
          errorUrl: request.data.error_url,
          logoUrl: request.data.logo_url,
        });
        print(
          Boolean(options.json),
          { id: partner.id, name: partner.name, ...credentials },
          [
            `partner ${partner.name}: ${partner.id}`,
            'Shown once; store all three now:',
            `  client_id               ${credentials.client_id}`,
            `  client_secret           ${credentials.client_secret}`,
            `  webhook_signing_secret  ${credentials.webhook_signing_secret}`,
          ].join('\n'),
        );
      }),
    );

  const domains = program.command('domains').description('sending domains (SES identities) of organizations');
  domains
    .command('add')
    .description('claim a domain for an organization and print the DNS records to publish; an identity the SES account already has is taken over')
    .requiredOption('--org <org>', 'organization id or name')
    .requiredOption('--name <domain>', 'the domain, e.g. example.com', parsedWith(domainName))
    .option('--mail-from <label>', 'custom MAIL FROM subdomain, e.g. bounce (bounce.<domain>)', parsedWith(mailFromLabel))
    .option('--json', 'print JSON')
    .action((options: { org: string; name: string; mailFrom?: string; json?: boolean }) => {
      const config = operatorConfig();
      return withDomainDeps(config, logger, async (deps) => {
        const org = await findOrganization(deps.db, options.org);
        if (!org) throw new InvalidArgumentError(`no organization ${options.org}`);
        const domain = await addDomain(deps, org.id, { name: options.name, mailFromLabel: options.mailFrom }, { adoptExisting: true }).catch(
          (error: unknown) => {
            throw error instanceof DomainTaken ? new InvalidArgumentError(error.message) : error;
          },
        );
        print(
          Boolean(options.json),
          { id: domain.id, org_id: org.id, name: domain.name, status: domain.status, records: dnsRecordsOf(domain, config.ses.region) },
          describeDomain(domain, config.ses.region),
        );
      });
    });
  domains
    .command('list')
    .description('sending domains and where their verification stands')
    .option('--org <org>', 'only this organization (id or name)')
    .option('--json', 'print JSON')
    .action((options: { org?: string; json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const org = options.org === undefined ? undefined : await findOrganization(db, options.org);
        if (options.org !== undefined && !org) throw new InvalidArgumentError(`no organization ${options.org}`);
        const rows = await listDomains(db, org?.id ?? null);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows.map((row) => ({ id: row.id, org_id: row.org_id, name: row.name, status: row.status })))}\n`);
        } else for (const row of rows) process.stdout.write(`${row.name}  ${row.status}  org ${row.org_id}  ${row.id}\n`);
      }),
    );
  domains
    .command('verify <domain>')
    .description('check a domain with SES now (a failed one is verified again from the start)')
    .option('--json', 'print JSON')
    .action((name: string, options: { json?: boolean }) => {
      const config = operatorConfig();
      return withDomainDeps(config, logger, async (deps) => {
        const holder = await findDomainHolder(deps.db, parsedWith(domainName)(name));
        const domain = holder && (await findDomain(deps.db, holder.orgId, holder.id));
        if (!domain) throw new InvalidArgumentError(`no domain ${name}`);
        await checkDomainNow(deps, domain);
        print(
          Boolean(options.json),
          { id: domain.id, name: domain.name, checking: domain.status !== 'verified' },
          domain.status === 'verified' ? `${domain.name} is verified` : `checking ${domain.name} now`,
        );
      });
    });
  const secrets = program.command('secrets').description('secrets Relay keeps sealed (webhook, partner, channel and shop secrets)');
  secrets
    .command('status')
    .description('how many stored secrets each key seals, and whether RELAY_ENCRYPTION_KEY_PREVIOUS is still needed')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const status = await secretsStatus(db, secretBoxOf(operatorConfig()));
        print(Boolean(options.json), status, describeSecretsStatus(status));
      }),
    );
  secrets
    .command('reseal')
    .description(
      'seal every stored secret not yet sealed with RELAY_ENCRYPTION_KEY again with it, bound to its row (after a rotation, with the old key in RELAY_ENCRYPTION_KEY_PREVIOUS)',
    )
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const box = secretBoxOf(operatorConfig());
        if (!box.keyId) throw new InvalidArgumentError('RELAY_ENCRYPTION_KEY is not set');
        // Values sealed with the current key in format v2 are bound to their row already.
        const resealed = await resealAllSecrets(db, (sealed, field) =>
          sealedKeyId(sealed) === box.keyId ? undefined : box.seal(box.open(sealed, field), field),
        );
        const status = await secretsStatus(db, box);
        const total = Object.values(resealed).reduce((sum, count) => sum + count, 0);
        const byTable = Object.entries(resealed).map(([table, count]) => `${table}: ${count}`);
        print(
          Boolean(options.json),
          { resealed, ...status },
          `resealed ${total} secret(s) with key ${box.keyId} (${byTable.join(', ')})\n${describeSecretsStatus(status)}`,
        );
      }),
    );
  secrets
    .command('rotate-key')
    .description('generate a new RELAY_ENCRYPTION_KEY and print the environment to deploy, step by step')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const config = operatorConfig();
      if (!config.encryptionKey)
        throw new InvalidArgumentError('RELAY_ENCRYPTION_KEY is not set: there is no key to rotate (set one with `openssl rand -base64 32`)');
      const fresh = generateEncryptionKey();
      const plan = {
        key_id: keyIdOf(fresh),
        prepare: { RELAY_ENCRYPTION_KEY: config.encryptionKey, RELAY_ENCRYPTION_KEY_PREVIOUS: [fresh, ...config.previousEncryptionKeys].join(',') },
        environment: { RELAY_ENCRYPTION_KEY: fresh, RELAY_ENCRYPTION_KEY_PREVIOUS: [config.encryptionKey, ...config.previousEncryptionKeys].join(',') },
      };
      const env = (settings: Record<string, string>) =>
        Object.entries(settings)
          .map(([name, value]) => `${name}=${value}`)
          .join('\n');
      print(
        Boolean(options.json),
        plan,
        [
          `New key ${plan.key_id}, replacing key ${keyIdOf(config.encryptionKey)}. Keep this output secret.`,
          '',
          '1. Deploy to every API and worker (they learn the new key and still seal with the current one, so no process meets a',
          '   secret it cannot open while the next step rolls out; skip it if you stop every process before starting any):',
          env(plan.prepare),
          '',
          '2. Then deploy to every API and worker (new secrets are sealed with the new key; the old one still opens):',
          env(plan.environment),
          '',
          '3. With the environment of step 2, run `relay secrets reseal`: every stored secret is sealed with the new key.',
          '4. `relay secrets status` says when nothing needs RELAY_ENCRYPTION_KEY_PREVIOUS; then remove it and deploy again.',
        ].join('\n'),
      );
    });
  partners
    .command('suspend <id>')
    .description('stop a partner: its tokens are refused, no user can connect, no code is exchanged, no debrief is delivered')
    .option('--reason <text>', 'why (kept with the partner)')
    .option('--json', 'print JSON')
    .action((id: string, options: { reason?: string; json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const { reason } = suspendRequest.parse({ reason: options.reason });
        const partner = await suspendPartner(db, parseUuid(id), reason);
        if (!partner) throw new InvalidArgumentError(`no partner ${id}`);
        print(Boolean(options.json), partnerView(partner), `partner ${partner.name} (${partner.id}) suspended: ${reason}`);
      }),
    );
  partners
    .command('unsuspend <id>')
    .description("lift a partner's suspension (manual or automatic)")
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const partner = await findPartner(db, parseUuid(id));
        if (!partner) throw new InvalidArgumentError(`no partner ${id}`);
        await liftPartnerSuspension(db, partner.id);
        print(Boolean(options.json), { id: partner.id, suspended: false }, `partner ${partner.name} (${partner.id}) is no longer suspended`);
      }),
    );

  const billing = program.command('billing').description('usage reporting to Books');
  billing
    .command('run')
    .description('report one UTC day of usage to Books now (backfill), through the same workflow as the daily schedule')
    .requiredOption('--date <YYYY-MM-DD>', 'the UTC day to report', parseDate)
    .option('--json', 'print JSON')
    .action(async (options: { date: string; json?: boolean }) => {
      const config = operatorConfig();
      if (!config.booksUrl) throw new InvalidArgumentError('HUB_BILLING_API_URL is not set: there is no Books to report to');
      const client = await openTemporal(config);
      try {
        const result = await client.workflow.execute('reportDailyUsageWorkflow', {
          taskQueue: config.temporal.taskQueue,
          workflowId: dailyUsageWorkflowId(options.date),
          args: [{ date: options.date, deliverWithinMs: config.billingReportDeadlineMs }],
          // A finished report may be run again: organizations already reported are skipped.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          typedSearchAttributes: [{ key: RelayKind, value: 'daily-usage' }],
        });
        print(Boolean(options.json), result, `reported ${result.date}: ${result.reported} organization(s), ${result.failed} not delivered (alerted)`);
      } finally {
        await client.connection.close();
      }
    });

  const archive = program.command('archive').description('the inbound archive (all organizations)');
  archive
    .command('list')
    .description('archived inbound messages, newest first')
    .option('--reason <reason>', 'only this archive reason (e.g. psa_note_failed, no_route)')
    .option('--limit <n>', 'how many', (value) => Number.parseInt(value, 10), 50)
    .option('--json', 'print JSON')
    .action((options: { reason?: string; limit: number; json?: boolean }) =>
      withDb(operatorConfig(), logger, async (db) => {
        const rows = await listInbound(db, null, { status: 'archived', reason: options.reason, limit: options.limit });
        const entries = rows.map((row) => ({
          id: row.id,
          org_id: row.org_id,
          provider: row.provider,
          reason: row.archive_reason,
          classification: row.classification,
          from: row.parsed?.from.address ?? null,
          subject: row.parsed?.subject ?? null,
          received_at: row.received_at.toISOString(),
        }));
        if (options.json) process.stdout.write(`${JSON.stringify(entries)}\n`);
        else
          for (const entry of entries)
            process.stdout.write(`${entry.id}  ${entry.received_at}  ${entry.reason}  ${entry.from ?? '-'}  ${entry.subject ?? ''}\n`);
      }),
    );
  archive
    .command('replay <id>')
    .description('route an archived inbound message again (for example after PSA is configured)')
    .action((id: string) => {
      const config = operatorConfig();
      return withDb(config, logger, async (db) => {
        const row = await getInbound(db, id);
        if (!row) throw new InvalidArgumentError(`no inbound message ${id}`);
        const client = await openTemporal(config);
        try {
          const workflows = createWorkflowStarter(client, { taskQueue: config.temporal.taskQueue, metrics: createMetrics() });
          await replayArchivedInbound({ db, client, workflows, routeMaxAttempts: config.inbound.routeMaxAttempts }, row);
          process.stdout.write(`replaying inbound ${id}\n`);
        } finally {
          await client.connection.close();
        }
      });
    });

  program
    .command('replay <workflowId>')
    .description('start a failed workflow again with its original input (e.g. email-<id>)')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, options: { json?: boolean }) => {
      const client = await openTemporal(operatorConfig());
      try {
        const result = await replayWorkflow(client, workflowId);
        print(
          Boolean(options.json),
          { workflow_id: workflowId, run_id: result.runId, replay_of_run_id: result.replayOfRunId },
          `replaying ${workflowId}: run ${result.runId}`,
        );
      } finally {
        await client.connection.close();
      }
    });

  return program;
}

async function main(): Promise<void> {
  // Every setting is checked here once; each command then requires what it cannot run without.
  const logger = createLogger({ level: loadConfig().logLevel });
  await buildProgram(logger).parseAsync(process.argv);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`relay: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`relay: ${error instanceof Error ? error.message : inspect(error)}\n`);
  process.exit(1);
});
