// GoBGP 3 driver for the e2e lab: writes a gobgpd TOML config from a typed description, starts
// gobgpd inside a lab node with its gRPC API on the node's own 127.0.0.1 (so instances in
// different nodes never collide), and drives it with the `gobgp` CLI run in the same node.
// In: GoBgpConfig and route add/del requests. Out: parsed `gobgp ... -j` JSON.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './lab.ts';
import type { DaemonProcess } from './process.ts';
import { waitFor } from './wait.ts';
import type { WaitOptions } from './wait.ts';
import type { Family } from './bird.ts';

export interface GoBgpNeighbor {
  address: string;
  remoteAs: number;
  families?: readonly Family[];
  localAddress?: string;
  password?: string;
  passive?: boolean;
  holdTime?: number;
  /** GTSM: ttl-security with ttl-min 255. */
  ttlSecurity?: boolean;
  gracefulRestart?: boolean;
  /** ADD-PATH: send up to this many paths and accept paths from the peer. */
  addPathSendMax?: number;
  routeReflectorClient?: boolean;
  clusterId?: string;
}

export interface GoBgpConfig {
  asn: number;
  routerId: string;
  neighbors: readonly GoBgpNeighbor[];
  /** gRPC API port on the node's loopback (default 50051). */
  apiPort?: number;
}

const AFI_SAFI: Record<Family, string> = { ipv4: 'ipv4-unicast', ipv6: 'ipv6-unicast' };

export function renderGoBgpConfig(config: GoBgpConfig): string {
  const l = ['[global.config]', `  as = ${config.asn}`, `  router-id = "${config.routerId}"`, ''];
  for (const n of config.neighbors) {
    const hold = n.holdTime ?? 9;
    l.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${n.address}"`,
      `    peer-as = ${n.remoteAs}`,
    );
    if (n.password !== undefined) l.push(`    auth-password = "${n.password}"`);
    l.push('  [neighbors.timers.config]', '    connect-retry = 1', `    hold-time = ${hold}`);
    l.push(`    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`);
    if (n.localAddress !== undefined || n.passive === true) {
      l.push('  [neighbors.transport.config]');
      if (n.localAddress !== undefined) l.push(`    local-address = "${n.localAddress}"`);
      if (n.passive === true) l.push('    passive-mode = true');
    }
    if (n.ttlSecurity === true)
      l.push('  [neighbors.ttl-security.config]', '    enabled = true', '    ttl-min = 255');
    if (n.gracefulRestart === true) {
      l.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 120');
    }
    if (n.routeReflectorClient === true) {
      l.push('  [neighbors.route-reflector.config]', '    route-reflector-client = true');
      l.push(`    route-reflector-cluster-id = "${n.clusterId ?? config.routerId}"`);
    }
    for (const family of n.families ?? [n.address.includes(':') ? 'ipv6' : 'ipv4']) {
      l.push(
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        `      afi-safi-name = "${AFI_SAFI[family]}"`,
      );
      if (n.gracefulRestart === true)
        l.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
      if (n.addPathSendMax !== undefined) {
        l.push(
          '    [neighbors.afi-safis.add-paths.config]',
          `      send-max = ${n.addPathSendMax}`,
          '      receive = true',
        );
      }
    }
    l.push('');
  }
  return `${l.join('\n')}\n`;
}

export interface GoBgpRoute {
  prefix: string;
  nextHop: string;
  /** Extra `gobgp global rib add` words, e.g. ['med', '10', 'community', '65000:1']. */
  attributes?: readonly string[];
}

export class GoBgp {
  readonly lab: Lab;
  readonly node: string;
  readonly dir: string;
  readonly apiPort: number;
  readonly process: DaemonProcess;
  readonly config: GoBgpConfig;

  private constructor(lab: Lab, node: string, dir: string, config: GoBgpConfig, daemon: DaemonProcess) {
    this.lab = lab;
    this.node = node;
    this.dir = dir;
    this.config = config;
    this.apiPort = config.apiPort ?? 50051;
    this.process = daemon;
  }

  static async start(lab: Lab, node: string, config: GoBgpConfig, instance = 'gobgp'): Promise<GoBgp> {
    const dir = lab.dir(`${node}-${instance}`);
    const file = join(dir, 'gobgpd.toml');
    writeFileSync(file, renderGoBgpConfig(config));
    const port = config.apiPort ?? 50051;
    const daemon = lab.spawn(
      node,
      ['gobgpd', '-f', file, '-t', 'toml', '--api-hosts', `127.0.0.1:${port}`, '--pprof-disable'],
      { logFile: join(dir, 'gobgpd.log') },
    );
    const gobgp = new GoBgp(lab, node, dir, config, daemon);
    await waitFor(
      `gobgpd in ${node} to answer on 127.0.0.1:${port}`,
      async () => {
        if (!daemon.running) throw new Error(`gobgpd exited with ${daemon.code}; see ${daemon.logFile}`);
        return (await lab.exec(node, ['gobgp', '-u', '127.0.0.1', '-p', String(port), 'global'])).code;
      },
      (code) => code === 0,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    return gobgp;
  }

  /** Runs the gobgp CLI against this instance; rejects on a non-zero exit code. */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await this.lab.execOk(this.node, [
      'gobgp',
      '-u',
      '127.0.0.1',
      '-p',
      String(this.apiPort),
      ...args,
    ]);
    return stdout;
  }

  /** `gobgp neighbor -j`. */
  async neighbors(): Promise<GoBgpPeer[]> {
    return JSON.parse(await this.cli('neighbor', '-j')) as GoBgpPeer[];
  }

  async neighbor(address: string): Promise<GoBgpPeer> {
    const peer = (await this.neighbors()).find((p) => p.conf?.neighbor_address === address);
    if (peer === undefined) throw new Error(`GoBGP ${this.node} has no neighbor ${address}`);
    return peer;
  }

  /** `gobgp global rib -a ipv4|ipv6 -j`: destinations keyed by prefix. */
  async rib(family: Family = 'ipv4'): Promise<Record<string, GoBgpPath[]>> {
    const out = await this.cli('global', 'rib', '-a', family, '-j');
    return out.trim() === '' ? {} : (JSON.parse(out) as Record<string, GoBgpPath[]>);
  }

  async addRoute(route: GoBgpRoute): Promise<void> {
    const family = route.prefix.includes(':') ? 'ipv6' : 'ipv4';
    await this.cli(
      'global',
      'rib',
      'add',
      '-a',
      family,
      route.prefix,
      'nexthop',
      route.nextHop,
      ...(route.attributes ?? []),
    );
  }

  async deleteRoute(prefix: string): Promise<void> {
    const family = prefix.includes(':') ? 'ipv6' : 'ipv4';
    await this.cli('global', 'rib', 'del', '-a', family, prefix);
  }

  async waitEstablished(address: string, options: WaitOptions = {}): Promise<GoBgpPeer> {
    return waitFor(
      `GoBGP ${this.node} neighbor ${address} to be Established`,
      () => this.neighbor(address),
      (p) => isEstablished(p),
      { timeoutMs: 30_000, ...options },
    );
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}

/** GoBGP's JSON gives session_state as a number (6 = ESTABLISHED) or a name, by version. */
export function isEstablished(peer: GoBgpPeer): boolean {
  const s = peer.state?.session_state;
  return s === 6 || (typeof s === 'string' && s.toUpperCase().includes('ESTABLISHED'));
}

export interface GoBgpPeer {
  conf?: { neighbor_address?: string; peer_asn?: number; [key: string]: unknown };
  state?: { session_state?: number | string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface GoBgpPath {
  nlri?: { prefix?: string };
  attrs?: { type: number; [key: string]: unknown }[];
  best?: boolean;
  [key: string]: unknown;
}
