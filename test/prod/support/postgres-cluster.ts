import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 server (.ci/run installs postgresql-15 when it is missing). */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of its own, made by initdb in `dir` and served on 127.0.0.1:`port`
 * with password authentication, as a production server would be. As root the server runs
 * as the `postgres` OS user (PostgreSQL refuses to run as root) over a directory it owns.
 */
export class PostgresCluster {
  private readonly dataDir: string;
  private readonly superuserPassword = 'superuser-secret';

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.dataDir = join(dir, 'data');
  }

  static async create(dir: string, port: number): Promise<PostgresCluster> {
    if (!existsSync(join(POSTGRES_BIN, 'initdb'))) throw new Error(`${POSTGRES_BIN}/initdb is missing: install postgresql-15 (apt-get install postgresql-15)`);
    const cluster = new PostgresCluster(dir, port);
    await mkdir(join(dir, 'socket'), { recursive: true });
    await writeFile(join(dir, 'superuser-password'), cluster.superuserPassword);
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const uid = Number(stdout.trim());
      for (const path of [dir, join(dir, 'socket'), join(dir, 'superuser-password')]) await chown(path, uid, process.getgid?.() ?? 0);
    }
    await cluster.asPostgres('initdb', [
      '-D',
      cluster.dataDir,
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${join(dir, 'superuser-password')}`,
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    return cluster;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${join(this.dir, 'socket')} -c fsync=off -c max_connections=200`;
    await this.asPostgres('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  }

  /** A fast shutdown: open connections are cut, as when a server goes away. */
  async stop(): Promise<void> {
    await this.asPostgres('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  /** A role and a database it owns; returns its URL. */
  async createDatabase(name: string, password: string): Promise<string> {
    const admin = new pg.Client({ host: '127.0.0.1', port: this.port, user: 'postgres', password: this.superuserPassword, database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`create role "${name}" login password '${password}'`);
      await admin.query(`create database "${name}" owner "${name}"`);
    } finally {
      await admin.end();
    }
    return `postgres://${name}:${password}@127.0.0.1:${this.port}/${name}`;
  }

  private async asPostgres(program: string, args: string[]): Promise<void> {
    const binary = join(POSTGRES_BIN, program);
    const [command, commandArgs] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
    await run(command, commandArgs, { timeout: 120_000 });
  }
}
