// The e2e Lab: network namespaces ("nodes"), veth links with addresses, commands and daemons run
// inside a node, and a cleanup that removes everything the lab made. In: node and link
// descriptions from a test. Out: namespace names, interface names, ExecResults and
// DaemonProcess handles. Every namespace carries a per-run prefix (pb<pid><random>-<lab>-), and
// every daemon's PID is recorded, so destroy() (or the process exit hook) stops exactly what this
// lab started and nothing else.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execArgv, execChecked, DaemonProcess } from './process.ts';
import type { ExecOptions, ExecResult } from './process.ts';

export interface NodeOptions {
  /** Enable net.ipv4.ip_forward and net.ipv6.conf.all.forwarding in the namespace. */
  forwarding?: boolean;
}

export interface LinkOptions {
  /** Addresses with prefix length for the a side and the b side, e.g. ['10.0.0.1/30', '10.0.0.2/30']. */
  v4?: readonly [string, string];
  v6?: readonly [string, string];
  /** Interface names inside a and b (max 15 chars); default `<b>`/`<a>` with a counter if reused. */
  names?: readonly [string, string];
  /** Leave the link down (default: both ends up). */
  down?: boolean;
}

export interface LabLink {
  a: string;
  b: string;
  /** Interface name in node a. */
  ifA: string;
  /** Interface name in node b. */
  ifB: string;
}

const liveLabs = new Set<Lab>();
let hooksInstalled = false;

/** Process exit/signal hooks: a Ctrl-C or a crash still removes every namespace and daemon. */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const lab of liveLabs) lab.destroySync();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const lab of liveLabs) lab.destroySync();
      process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[signal]);
    });
  }
}

export class Lab {
  /** Unique per-run prefix of every namespace this lab creates. */
  readonly prefix: string;
  /** Private temp directory for configs, sockets, logs and captures. */
  readonly workDir: string;
  private readonly nodes = new Map<string, string>();
  private readonly processes: DaemonProcess[] = [];
  private readonly interfaceCount = new Map<string, number>();
  private destroyed = false;

  private constructor(prefix: string, workDir: string) {
    this.prefix = prefix;
    this.workDir = workDir;
  }

  /** A new lab; `name` is a short label that appears in namespace names (letters, digits, '-'). */
  static async create(name: string): Promise<Lab> {
    if (!/^[a-z0-9-]{1,20}$/i.test(name)) throw new Error(`Lab name must be [a-z0-9-]{1,20}: ${name}`);
    const prefix = `pb${process.pid}${randomBytes(2).toString('hex')}-${name}-`;
    const workDir = mkdtempSync(join(tmpdir(), prefix));
    // Daemons that drop privileges (FRR runs as user frr) must be able to reach their sub dirs.
    chmodSync(workDir, 0o755);
    const lab = new Lab(prefix, workDir);
    installExitHooks();
    liveLabs.add(lab);
    return lab;
  }

  /** The namespace name of a node. */
  ns(node: string): string {
    const ns = this.nodes.get(node);
    if (ns === undefined) throw new Error(`unknown lab node ${node}`);
    return ns;
  }

  /** A sub directory of the work dir (created), e.g. for one daemon instance. */
  dir(...parts: string[]): string {
    const path = join(this.workDir, ...parts);
    mkdirSync(path, { recursive: true });
    return path;
  }

  /** Creates a namespace with lo up; IPv6 DAD is off so addresses are usable at once. */
  async addNode(name: string, options: NodeOptions = {}): Promise<string> {
    if (this.destroyed) throw new Error('lab already destroyed');
    if (this.nodes.has(name)) throw new Error(`lab node ${name} exists`);
    const ns = `${this.prefix}${name}`;
    await execChecked(['ip', 'netns', 'add', ns]);
    this.nodes.set(name, ns);
    await this.execOk(name, ['ip', 'link', 'set', 'lo', 'up']);
    const sysctls = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'];
    if (options.forwarding === true) {
      sysctls.push('net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1');
    }
    await this.execOk(name, ['sysctl', '-q', '-w', ...sysctls]);
    return ns;
  }

  /** Creates a veth pair from node a to node b (made directly inside the two namespaces). */
  async link(a: string, b: string, options: LinkOptions = {}): Promise<LabLink> {
    const ifA = options.names?.[0] ?? this.interfaceName(a, b);
    const ifB = options.names?.[1] ?? this.interfaceName(b, a);
    await execChecked([
      'ip',
      'link',
      'add',
      ifA,
      'netns',
      this.ns(a),
      'type',
      'veth',
      'peer',
      'name',
      ifB,
      'netns',
      this.ns(b),
    ]);
    const ends: [string, string, string | undefined, string | undefined][] = [
      [a, ifA, options.v4?.[0], options.v6?.[0]],
      [b, ifB, options.v4?.[1], options.v6?.[1]],
    ];
    for (const [node, ifName, v4, v6] of ends) {
      if (v4 !== undefined) await this.execOk(node, ['ip', 'addr', 'add', v4, 'dev', ifName]);
      if (v6 !== undefined) await this.execOk(node, ['ip', '-6', 'addr', 'add', v6, 'dev', ifName, 'nodad']);
      if (options.down !== true) await this.execOk(node, ['ip', 'link', 'set', ifName, 'up']);
    }
    return { a, b, ifA, ifB };
  }

  async linkDown(node: string, ifName: string): Promise<void> {
    await this.execOk(node, ['ip', 'link', 'set', ifName, 'down']);
  }

  async linkUp(node: string, ifName: string): Promise<void> {
    await this.execOk(node, ['ip', 'link', 'set', ifName, 'up']);
  }

  /** Adds an address (v4 or v6, with prefix length) to an interface in a node. */
  async addAddress(node: string, ifName: string, cidr: string): Promise<void> {
    const argv = cidr.includes(':')
      ? ['ip', '-6', 'addr', 'add', cidr, 'dev', ifName, 'nodad']
      : ['ip', 'addr', 'add', cidr, 'dev', ifName];
    await this.execOk(node, argv);
  }

  /** Runs argv inside a node's namespace; resolves with output and exit code. */
  exec(node: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return execArgv(['ip', 'netns', 'exec', this.ns(node), ...argv], options);
  }

  /** Like exec, but rejects when the exit code is not 0. */
  execOk(node: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return execChecked(['ip', 'netns', 'exec', this.ns(node), ...argv], options);
  }

  /** Starts a long-running process inside a node; its PID is recorded for destroy(). */
  spawn(
    node: string,
    argv: readonly string[],
    options: { logFile: string; env?: NodeJS.ProcessEnv },
  ): DaemonProcess {
    if (this.destroyed) throw new Error('lab already destroyed');
    const daemon = new DaemonProcess(['ip', 'netns', 'exec', this.ns(node), ...argv], options);
    this.processes.push(daemon);
    return daemon;
  }

  /** PIDs of recorded processes that are still running. */
  get runningPids(): number[] {
    return this.processes.filter((p) => p.running).map((p) => p.pid);
  }

  /**
   * Stops every recorded process (SIGTERM, SIGKILL after graceMs) and deletes every namespace.
   * Idempotent. The work dir is removed unless keepFiles or PODBGP_LAB_KEEP=1.
   */
  async destroy(options: { graceMs?: number; keepFiles?: boolean } = {}): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all(this.processes.map((p) => p.stop(options.graceMs ?? 2000)));
    for (const ns of this.nodes.values()) {
      await execArgv(['ip', 'netns', 'del', ns]);
    }
    this.nodes.clear();
    this.finish(options.keepFiles);
  }

  /** Synchronous last-resort cleanup for the exit hook: SIGKILL by PID, delete namespaces. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.processes) p.signal('SIGKILL');
    for (const ns of this.nodes.values()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // Namespace already gone.
      }
    }
    this.nodes.clear();
    this.finish(undefined);
  }

  private finish(keepFiles: boolean | undefined): void {
    liveLabs.delete(this);
    if (keepFiles === true || process.env.PODBGP_LAB_KEEP === '1') return;
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private interfaceName(from: string, to: string): string {
    const base = to.slice(0, 12);
    const key = `${from}>${base}`;
    const count = this.interfaceCount.get(key) ?? 0;
    this.interfaceCount.set(key, count + 1);
    return count === 0 ? base : `${base}${count}`;
  }
}
