// The demo's own small lab: network namespaces with a per-run prefix, veth links, commands run
// inside a namespace, daemons started inside one with their PIDs recorded, and the cleanup that
// stops exactly those PIDs and deletes exactly those namespaces.
//
// The demo does not reuse e2e/lab: that is test code (not shipped with the product), its daemons
// die with the test process, and its work dir goes with it. The demo must be able to leave its
// lab running (--keep) and have a later `podbgp demo --cleanup PREFIX` find it again, so every
// namespace and PID is written to a state file in the run's work dir as soon as it exists.
//
// In: namespace/link/daemon requests. Out: exec results; a state file; cleanup reports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every demo namespace is named `pbdemo-XXXXXX-NAME`; XXXXXX is random per run. */
export const PREFIX_PATTERN = /^pbdemo-[0-9a-f]{6}-$/;

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface DemoDaemonRecord {
  readonly pid: number;
  readonly name: string;
  readonly node: string;
  readonly logFile: string;
}

export interface DemoState {
  readonly prefix: string;
  readonly workDir: string;
  readonly namespaces: string[];
  readonly daemons: DemoDaemonRecord[];
}

export interface CleanupReport {
  readonly killed: number[];
  readonly namespacesDeleted: string[];
}

/** The work dir of a run: /tmp/PREFIX (no random suffix: the prefix already is one). */
export function workDirOf(prefix: string): string {
  return join(tmpdir(), prefix.replace(/-$/, ''));
}

export class DemoLab {
  readonly prefix: string;
  readonly workDir: string;
  private readonly state: DemoState;
  /** Short-lived commands still running (ping, tcpdump): killed by cleanup too. */
  private readonly running = new Set<ChildProcess>();
  private cleaned = false;

  private constructor(prefix: string) {
    this.prefix = prefix;
    this.workDir = workDirOf(prefix);
    // Exclusive: a leftover dir of the same name is never reused.
    mkdirSync(this.workDir, { mode: 0o755 });
    this.state = { prefix, workDir: this.workDir, namespaces: [], daemons: [] };
    this.save();
  }

  static create(): DemoLab {
    return new DemoLab(`pbdemo-${randomBytes(3).toString('hex')}-`);
  }

  get stateFile(): string {
    return join(this.workDir, 'state.json');
  }

  get daemons(): readonly DemoDaemonRecord[] {
    return this.state.daemons;
  }

  ns(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** A sub directory of the work dir (created). */
  dir(name: string): string {
    const path = join(this.workDir, name);
    mkdirSync(path, { recursive: true, mode: 0o755 });
    return path;
  }

  /** Creates namespace PREFIX+name with lo up, IPv6 DAD off, and forwarding when asked. */
  async addNamespace(name: string, forwarding: boolean): Promise<void> {
    this.assertOpen();
    const ns = this.ns(name);
    await this.hostOk(['ip', 'netns', 'add', ns]);
    this.state.namespaces.push(ns);
    this.save();
    await this.execOk(name, ['ip', 'link', 'set', 'lo', 'up']);
    const sysctls = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'];
    if (forwarding) sysctls.push('net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1');
    await this.execOk(name, ['sysctl', '-q', '-w', ...sysctls]);
  }

  /** A veth pair between two namespaces, with addresses (CIDR form) on each end, both up. */
  async link(
    a: { node: string; ifName: string; cidrs: readonly string[] },
    b: { node: string; ifName: string; cidrs: readonly string[] },
  ): Promise<void> {
    await this.hostOk([
      'ip',
      'link',
      'add',
      a.ifName,
      'netns',
      this.ns(a.node),
      'type',
      'veth',
      'peer',
      'name',
      b.ifName,
      'netns',
      this.ns(b.node),
    ]);
    for (const end of [a, b]) {
      for (const cidr of end.cidrs) {
        const family = cidr.includes(':') ? ['-6'] : [];
        const extra = cidr.includes(':') ? ['nodad'] : [];
        await this.execOk(end.node, ['ip', ...family, 'addr', 'add', cidr, 'dev', end.ifName, ...extra]);
      }
      await this.execOk(end.node, ['ip', 'link', 'set', end.ifName, 'up']);
    }
  }

  /** Runs argv inside namespace PREFIX+node; never rejects on a non-zero exit. */
  exec(node: string, argv: readonly string[], timeoutMs = 15_000): Promise<ExecResult> {
    return this.host(['ip', 'netns', 'exec', this.ns(node), ...argv], timeoutMs);
  }

  async execOk(node: string, argv: readonly string[], timeoutMs = 15_000): Promise<ExecResult> {
    const r = await this.exec(node, argv, timeoutMs);
    if (r.code !== 0)
      throw new Error(`${argv.join(' ')} in ${node} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r;
  }

  /**
   * Starts a command inside a namespace, in the background, not attached to our terminal (a
   * Ctrl-C reaches us, and we stop the daemons in order). The PID is saved before returning.
   */
  startDaemon(node: string, name: string, argv: readonly string[]): DemoDaemonRecord {
    this.assertOpen();
    const logFile = join(this.workDir, `${node}-${name}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', this.ns(node), ...argv], {
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${argv.join(' ')}`);
    child.unref();
    // `ip netns exec` execs the command, so this PID is the daemon itself.
    const record = { pid: child.pid, name, node, logFile };
    this.state.daemons.push(record);
    this.save();
    return record;
  }

  /** A started daemon's PID is still alive (and still the process we started). */
  alive(record: DemoDaemonRecord): boolean {
    return running(record.pid);
  }

  /** Stops daemons (SIGTERM, SIGKILL after graceMs), kills running commands, deletes namespaces and files. */
  async cleanup(options: { graceMs?: number; keepFiles?: boolean } = {}): Promise<CleanupReport> {
    if (this.cleaned) return { killed: [], namespacesDeleted: [] };
    this.cleaned = true;
    for (const child of this.running) child.kill('SIGKILL');
    // A namespace whose `ip netns add` was in flight when a signal came is not in the state yet.
    const namespaces = [...new Set([...this.state.namespaces, ...namespacesWithPrefix(this.prefix)])];
    // Our own children: their PIDs cannot be reused before we reap them, so "running" is enough
    // (a command line read while the child is inside execve can come back empty).
    const report = await cleanupState({ ...this.state, namespaces }, options.graceMs ?? 3000, running);
    if (options.keepFiles !== true) rmSync(this.workDir, { recursive: true, force: true });
    return report;
  }

  /** Last resort from an exit handler: SIGKILL by PID and namespace deletion, synchronously. */
  cleanupSync(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const child of this.running) child.kill('SIGKILL');
    for (const d of this.state.daemons) if (running(d.pid)) signal(d.pid, 'SIGKILL');
    const namespaces = new Set([...this.state.namespaces, ...namespacesWithPrefix(this.prefix)]);
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    rmSync(this.workDir, { recursive: true, force: true });
  }

  /** Once cleanup has begun (a signal came), nothing new is created: it would outlive the run. */
  private assertOpen(): void {
    if (this.cleaned) throw new Error('the demo lab is being cleaned up');
  }

  private save(): void {
    writeFileSync(this.stateFile, `${JSON.stringify(this.state, null, 2)}\n`);
  }

  private async hostOk(argv: readonly string[]): Promise<ExecResult> {
    const r = await this.host(argv, 15_000);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r;
  }

  private host(argv: readonly string[], timeoutMs: number): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const [file, ...args] = argv;
      const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      this.running.add(child);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        this.running.delete(child);
        reject(e);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        this.running.delete(child);
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          code: code ?? 128,
        });
      });
    });
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * The PID is alive and its command line names our work dir (every daemon the demo starts gets a
 * config, socket or pid file path inside it), so a recycled PID is never signalled.
 */
export function isOurs(pid: number, workDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return running(pid) && cmdline.includes(workDir);
  } catch {
    return false;
  }
}

/** The PID exists and is not a zombie (state Z: exited, waiting to be reaped). */
export function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function cleanupState(
  state: DemoState,
  graceMs: number,
  mine: (pid: number) => boolean = (pid) => isOurs(pid, state.workDir),
): Promise<CleanupReport> {
  const ours = state.daemons.filter((d) => mine(d.pid));
  for (const d of ours) signal(d.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (ours.some((d) => running(d.pid)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const d of ours) if (running(d.pid)) signal(d.pid, 'SIGKILL');
  while (ours.some((d) => running(d.pid)) && Date.now() < deadline + 2000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const deleted: string[] = [];
  for (const ns of state.namespaces) {
    const r = spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    if (r.status === 0) deleted.push(ns);
  }
  return { killed: ours.map((d) => d.pid), namespacesDeleted: deleted };
}

/** Namespaces whose name starts with `prefix` (from `ip netns list`). */
export function namespacesWithPrefix(prefix: string): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return (r.stdout ?? '')
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}

/**
 * `podbgp demo --cleanup PREFIX`: stops what a kept run started and deletes its namespaces and
 * work dir, from the state file that run wrote. Namespaces with the prefix that the state file
 * does not list (a run killed between `ip netns add` and saving) are deleted too: the prefix
 * is random per run, so nothing else carries it.
 */
export async function cleanupPrefix(prefix: string): Promise<CleanupReport> {
  const normalized = prefix.endsWith('-') ? prefix : `${prefix}-`;
  if (!PREFIX_PATTERN.test(normalized)) {
    throw new Error(`not a demo prefix: "${prefix}" (expected pbdemo-XXXXXX- with 6 hex digits)`);
  }
  const workDir = workDirOf(normalized);
  const stateFile = join(workDir, 'state.json');
  const state: DemoState = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, 'utf8')) as DemoState)
    : { prefix: normalized, workDir, namespaces: [], daemons: [] };
  const all = new Set([...state.namespaces, ...namespacesWithPrefix(normalized)]);
  const report = await cleanupState({ ...state, workDir, namespaces: [...all] }, 3000);
  rmSync(workDir, { recursive: true, force: true });
  return report;
}
