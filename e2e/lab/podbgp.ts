// podbgp's own BGP speaker inside a lab node, run in the test process: a SessionManager whose
// sockets are created inside the node's network namespace. How: this thread enters the namespace
// with setns(2) while a socket is created, and returns at once (a socket belongs to the namespace
// it was created in for its whole life). Outgoing sockets are created synchronously inside
// connectTo, so each connect switches and returns in the same tick; the listening sockets are
// created one tick after listen(), so start() stays in the namespace until they exist.
// In: a Lab node, local settings, peers as config/schema.ts peer fields. Out: the manager, every
// SessionMessage it emitted, and waits on them.
import fs from 'node:fs';
import type net from 'node:net';
import { checkConfig } from '../../config/schema.ts';
import type { SessionMessage } from '../../bgp/session/messages.ts';
import { SessionManager } from '../../bgp/session/manager.ts';
import type { Session } from '../../bgp/session/session.ts';
import type { LocalSettings } from '../../bgp/session/settings.ts';
import { connectTo } from '../../bgp/transport/connector.ts';
import type { ConnectOptions } from '../../bgp/transport/connector.ts';
import { setns } from '../../sys/libc.ts';
import type { Lab } from './lab.ts';
import { waitFor } from './wait.ts';
import type { WaitOptions } from './wait.ts';

const CLONE_NEWNET = 0x40000000;

/** Runs fn with this thread in network namespace `ns` (a name under /run/netns); async fn is awaited there. */
export async function inNetns<T>(ns: string, fn: () => T | Promise<T>): Promise<T> {
  const home = fs.openSync('/proc/thread-self/ns/net', 'r');
  const target = fs.openSync(`/run/netns/${ns}`, 'r');
  try {
    setns(target, CLONE_NEWNET);
    return await fn();
  } finally {
    setns(home, CLONE_NEWNET);
    fs.closeSync(target);
    fs.closeSync(home);
  }
}

/** Like inNetns for a synchronous fn: the thread is back home before this returns. */
export function inNetnsSync<T>(ns: string, fn: () => T): T {
  const home = fs.openSync('/proc/thread-self/ns/net', 'r');
  const target = fs.openSync(`/run/netns/${ns}`, 'r');
  try {
    setns(target, CLONE_NEWNET);
    return fn();
  } finally {
    setns(home, CLONE_NEWNET);
    fs.closeSync(target);
    fs.closeSync(home);
  }
}

export interface PodbgpOptions {
  readonly local: LocalSettings;
  /** Listening addresses inside the node (default 0.0.0.0 and ::), port 179. */
  readonly listen?: readonly string[];
}

export class Podbgp {
  readonly lab: Lab;
  readonly node: string;
  readonly manager: SessionManager;
  readonly messages: SessionMessage[] = [];
  /** Log lines the sessions wrote (info/warn/error), e.g. connect failures with their reasons. */
  readonly log: string[];

  private constructor(lab: Lab, node: string, manager: SessionManager, log: string[]) {
    this.lab = lab;
    this.node = node;
    this.manager = manager;
    this.log = log;
  }

  /** A SessionManager listening inside `node` (its peers are added with addPeer). */
  static async start(lab: Lab, node: string, options: PodbgpOptions): Promise<Podbgp> {
    const ns = lab.ns(node);
    const log: string[] = [];
    const manager = new SessionManager({
      local: options.local,
      listen: { addresses: options.listen ?? ['0.0.0.0', '::'], port: 179 },
      connect: (o: ConnectOptions): Promise<net.Socket> => inNetnsSync(ns, () => connectTo(o)),
      log: (level, text, peer) => log.push(`${level} ${peer}: ${text}`),
    });
    const p = new Podbgp(lab, node, manager, log);
    manager.subscribe((m) => p.messages.push(m));
    await inNetns(ns, () => manager.start());
    return p;
  }

  /** Adds a peer from config/schema.ts peer fields, e.g. { address, asn, passive: true }. */
  addPeer(fields: Record<string, unknown>, password?: string): Session {
    const cfg = checkConfig({ asn: 1, routerId: '9.9.9.9', peers: [fields] }, '');
    const s = this.manager.addPeer(cfg.peers[0]!, password);
    if (s === null) throw new Error('addPeer: a range has no session until a peer connects');
    return s;
  }

  session(address: string): Session {
    const s = this.manager.session(address);
    if (s === undefined) throw new Error(`podbgp in ${this.node} has no peer ${address}`);
    return s;
  }

  async waitEstablished(address: string, options: WaitOptions = {}): Promise<void> {
    await waitFor(
      `podbgp ${this.node} peer ${address} to be Established`,
      () => this.session(address).state,
      (s) => s === 'Established',
      { timeoutMs: 30_000, intervalMs: 100, ...options },
    );
  }

  /** The messages of one kind (optionally for one peer). */
  ofKind<K extends SessionMessage['kind']>(kind: K, peer?: string): Extract<SessionMessage, { kind: K }>[] {
    return this.messages.filter(
      (m): m is Extract<SessionMessage, { kind: K }> =>
        m.kind === kind && (peer === undefined || m.peer === peer),
    );
  }

  /** Waits until some emitted message matches. */
  async waitMessage<K extends SessionMessage['kind']>(
    kind: K,
    match: (m: Extract<SessionMessage, { kind: K }>) => boolean,
    options: WaitOptions = {},
  ): Promise<Extract<SessionMessage, { kind: K }>> {
    const found = await waitFor(
      `podbgp ${this.node} message ${kind}`,
      () => this.ofKind(kind).find(match),
      (m) => m !== undefined,
      { timeoutMs: 30_000, intervalMs: 100, ...options },
    );
    return found!;
  }

  /** Administrative stop (Cease / Administrative Shutdown to every peer). */
  async stop(message?: string): Promise<void> {
    await this.manager.stop(message);
  }

  /** Ends every session with nothing sent, as if podbgp were killed with -9. */
  kill(): void {
    this.manager.destroy();
  }
}
