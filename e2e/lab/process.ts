// Child processes for the e2e lab: one-shot commands (argv in, {stdout, stderr, code} out) and
// long-running daemons whose PID is recorded so the lab can stop exactly what it started.
// Nothing here ever signals a process by name; a daemon is stopped through its handle's PID.
import { spawn as spawnChild } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ExecOptions {
  /** Text written to the child's stdin, which is then closed. */
  input?: string;
  /** Kill the child (SIGKILL) when it runs longer than this; default 30 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs argv to completion and resolves with its output and exit code (never rejects on a non-zero code). */
export function execArgv(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('execArgv: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawnChild(file, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? (signal === null ? -1 : 128 + signalNumber(signal)),
      });
    });
    if (child.stdin !== null) {
      // A child that exits without reading its input must not crash us with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** Like execArgv, but rejects with the command line and its stderr when the exit code is not 0. */
export async function execChecked(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const result = await execArgv(argv, options);
  if (result.code !== 0) {
    throw new Error(
      `command failed (exit ${result.code}): ${argv.join(' ')}\n${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result;
}

function signalNumber(signal: NodeJS.Signals): number {
  const table: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return table[signal] ?? 0;
}

export interface SpawnOptions {
  /** stdout and stderr of the daemon are appended here. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

/** A long-running child started by the lab. */
export class DaemonProcess {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly logFile: string;
  /** Resolves with the exit code (or 128+signal) once the process has exited. */
  readonly exited: Promise<number>;
  private exitCode: number | undefined;

  constructor(argv: readonly string[], options: SpawnOptions) {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('DaemonProcess: empty argv');
    const logFd = openSync(options.logFile, 'a');
    const child = spawnChild(file, args, {
      stdio: ['ignore', logFd, logFd],
      env: options.env ?? process.env,
    });
    closeSync(logFd);
    if (child.pid === undefined) throw new Error(`could not start ${argv.join(' ')}`);
    this.pid = child.pid;
    this.argv = argv;
    this.logFile = options.logFile;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitCode = code ?? (signal === null ? -1 : 128 + signalNumber(signal));
        resolve(this.exitCode);
      });
      child.on('error', () => {
        this.exitCode = -1;
        resolve(-1);
      });
    });
    // The lab, not the event loop, decides when a daemon ends.
    child.unref();
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The exit code once exited, else undefined. */
  get code(): number | undefined {
    return this.exitCode;
  }

  /** Sends `signal` to this PID only if the process is still ours and alive. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // Already gone between the check and the kill.
    }
  }

  /** SIGTERM, then SIGKILL when it has not exited after graceMs. Resolves with the exit code. */
  async stop(graceMs = 3000): Promise<number> {
    if (!this.running) return this.exitCode ?? -1;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      this.signal('SIGKILL');
      return this.exited;
    }
    return first;
  }
}
