// Test lab for kernel-programming tests: network namespaces with a unique per-run prefix, veth
// pairs inside them, `ip` commands run in them (iproute2 is the independent oracle), and netlink
// sockets opened in them. Everything created is recorded and removed by cleanup(), which tests
// call from after()/finally so it also runs on failure. Never touches the host's links or routes.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { NetlinkOptions, NetlinkSocket } from '../sys/netlink.ts';
import { openNetlinkInNamespace } from '../sys/netlink.ts';

export class FibLab {
  /** Unique per run: namespace names start with it. */
  readonly prefix = `pbfib${randomBytes(3).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly sockets: NetlinkSocket[] = [];
  private readonly children: ChildProcess[] = [];

  /** Create a namespace with loopback up; returns its name. */
  namespace(suffix: string): string {
    const name = `${this.prefix}-${suffix}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.ip(name, 'link set lo up');
    return name;
  }

  path(ns: string): string {
    return `/run/netns/${ns}`;
  }

  /** Run `ip ARGS` in the namespace (ARGS split on spaces); returns stdout. */
  ip(ns: string, args: string): string {
    return execFileSync('ip', ['-n', ns, ...args.split(' ').filter(Boolean)], { encoding: 'utf8' });
  }

  /** `ip -j ARGS` parsed. */
  ipJson<T = Record<string, unknown>[]>(ns: string, args: string): T {
    const out = execFileSync('ip', ['-j', '-n', ns, ...args.split(' ').filter(Boolean)], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    return JSON.parse(out || '[]') as T;
  }

  /** Number of lines `ip ARGS` prints in the namespace (e.g. how many routes a table has). */
  ipCount(ns: string, args: string): number {
    const out = execFileSync('ip', ['-n', ns, ...args.split(' ').filter(Boolean)], { maxBuffer: 1 << 30 });
    let lines = 0;
    for (const byte of out) if (byte === 10) lines++;
    return lines;
  }

  /** Feed lines to `ip -batch -` in the namespace. */
  ipBatch(ns: string, lines: string, extraArgs: string[] = []): void {
    execFileSync('ip', ['-n', ns, ...extraArgs, '-batch', '-'], { input: lines, maxBuffer: 1 << 30 });
  }

  /** A veth pair with both ends in ns (one end may be moved later); addresses as CIDR strings. */
  veth(ns: string, a: string, b: string): { a: number; b: number } {
    this.ip(ns, `link add ${a} type veth peer name ${b}`);
    this.ip(ns, `link set ${a} up`);
    this.ip(ns, `link set ${b} up`);
    return { a: this.ifindex(ns, a), b: this.ifindex(ns, b) };
  }

  ifindex(ns: string, dev: string): number {
    const [link] = this.ipJson<{ ifindex: number }[]>(ns, `link show dev ${dev}`);
    return link.ifindex;
  }

  socket(ns: string, options: NetlinkOptions = {}): NetlinkSocket {
    const s = openNetlinkInNamespace(this.path(ns), options);
    this.sockets.push(s);
    return s;
  }

  /** Start a long-running command in the namespace (e.g. `ip monitor route`), collecting stdout. */
  monitor(ns: string, args: string[]): { output: () => string; child: ChildProcess } {
    const child = spawn('ip', ['-n', ns, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.children.push(child);
    let text = '';
    child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
    return { output: () => text, child };
  }

  /** Remove everything this lab created: processes (by their PID), sockets, namespaces. */
  cleanup(): void {
    for (const c of this.children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
    for (const s of this.sockets) s.close();
    for (const ns of this.namespaces.reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
    this.namespaces.length = 0;
  }
}

/** Parse dotted IPv4 into the unsigned 32-bit number the route model uses. */
export function ipv4(text: string): number {
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}
