import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const projectDir = resolve(import.meta.dirname, '../../..');
/** The built CLI (`npm run build`), as a deployment runs it. */
export const RELAY_MAIN = resolve(projectDir, 'dist/cli/main.js');

/**
 * One `relay api` or `relay worker` process from the build, configured only by its
 * environment, with its JSON log in a file. Like a restart policy, it is started again
 * when it exits without being told to; those exits are counted.
 */
export class RelayProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  /** Exits nobody asked for (crashes), each followed by a restart. */
  readonly unexpectedExits: (number | string)[] = [];
  starts = 0;

  constructor(
    readonly name: string,
    private readonly command: string[],
    readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const log = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [RELAY_MAIN, ...this.command], { env: this.env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.starts += 1;
    this.stopping = false;
    child.once('exit', (code, signal) => {
      if (this.child !== child || this.stopping) return;
      this.unexpectedExits.push(signal ?? code ?? 'unknown');
      this.start();
    });
  }

  /** `kill -9`, then started again at once (as a supervisor would). */
  async killAndRestart(): Promise<void> {
    await this.signal('SIGKILL');
    this.start();
  }

  /** `kill -9`, left down. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM (a graceful stop), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    const force = setTimeout(() => this.child?.kill('SIGKILL'), 20_000);
    await this.signal('SIGTERM');
    clearTimeout(force);
  }

  log(): string {
    return readFileSync(this.logFile, 'utf8');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.stopping = true;
    await new Promise<void>((exited) => {
      child.once('exit', () => exited());
      child.kill(signal);
    });
  }
}
