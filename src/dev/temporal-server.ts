import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';

/** The last Temporal CLI release whose module installs with `go install`. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
/** Outside the clone, so every checkout on this machine reuses one build. */
export const TEMPORAL_CLI_CACHE = join(homedir(), '.cache', 'relay', 'bin');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Temporal CLI on PATH, in `.tools/`, or in the shared cache; undefined when there is none. */
export function findTemporalCli(projectDir: string, pathEnv = ''): string | undefined {
  const candidates = [
    ...pathEnv
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'temporal')),
    resolve(projectDir, '.tools', 'temporal'),
    join(TEMPORAL_CLI_CACHE, 'temporal'),
  ];
  return candidates.find(isExecutable);
}

/** Finds the Temporal CLI or builds it once with `go install` into the shared cache. */
export async function ensureTemporalCli(projectDir: string, pathEnv = '', log: (line: string) => void = () => {}): Promise<string> {
  const found = findTemporalCli(projectDir, pathEnv);
  if (found) return found;
  log(`building the Temporal CLI (${TEMPORAL_CLI_MODULE}) into ${TEMPORAL_CLI_CACHE}; the first build takes a few minutes`);
  await mkdir(TEMPORAL_CLI_CACHE, { recursive: true });
  const code = await new Promise<number>((done, fail) => {
    const child = spawn('go', ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: TEMPORAL_CLI_CACHE },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', (error) => fail(new Error(`cannot run go to build the Temporal CLI: ${error.message}; put a temporal binary on PATH or in .tools/`)));
    child.on('exit', (exitCode) => done(exitCode ?? 1));
  });
  const built = join(TEMPORAL_CLI_CACHE, 'temporal');
  if (code !== 0 || !existsSync(built)) throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code})`);
  return built;
}

/**
 * Task-queue Priority and Fairness: priority keys order a queue's
 * tasks, fairness keys (the organization, on every send) share each priority level
 * between organizations. Fairness is off unless enabled; with several partitions a task
 * queue's tasks are spread over them and fairness holds only within each, so every queue
 * has one (a single dev server gains nothing from more). Production servers need the
 * same settings (README, "Fair sharing of SES").
 */
export const FAIR_TASK_QUEUES = [
  'matching.useNewMatcher=true',
  'matching.enableFairness=true',
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
];

export interface TemporalDevServer {
  address: string;
  uiUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * `temporal server start-dev` on loopback. With `dbFile` its state survives a restart;
 * without, it lives in memory (tests). Resolves once the frontend answers.
 */
export async function startTemporalDevServer(options: {
  binary: string;
  port: number;
  uiPort?: number;
  dbFile?: string;
  log?: (line: string) => void;
}): Promise<TemporalDevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'error'];
  for (const setting of FAIR_TASK_QUEUES) args.push('--dynamic-config-value', setting);
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');

  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // However this process ends, the dev server does not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 50) output.shift();
    options.log?.(text.trimEnd());
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(address, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`Temporal dev server did not start: ${(error as Error).message}\n${output.join('')}`, { cause: error });
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    stop: () => stopChild(child),
  };
}

async function waitUntilServing(address: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error('the process exited');
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((wake) => setTimeout(wake, 250));
    }
  }
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
