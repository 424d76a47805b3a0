// FRR 8.4 driver for the e2e lab: writes zebra.conf and bgpd.conf from a typed description, starts
// a private zebra + bgpd pair inside a lab node (own -z zserv socket, --vty_socket dir and -i pid
// files, never the system service) and queries it with `vtysh --vty_socket DIR -c ... json`.
// In: FrrConfig. Out: parsed JSON from vtysh (summary, RIB, neighbor).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './lab.ts';
import type { DaemonProcess } from './process.ts';
import { execArgv, execChecked } from './process.ts';
import { waitFor } from './wait.ts';
import type { WaitOptions } from './wait.ts';
import type { Family } from './bird.ts';

const FRR_DAEMONS = '/usr/lib/frr';

export interface FrrNeighbor {
  address: string;
  /** A number, or 'internal' / 'external'. */
  remoteAs: number | 'internal' | 'external';
  /** Address families to activate (default: the family of the address). */
  families?: readonly Family[];
  password?: string;
  /** GTSM: `neighbor X ttl-security hops N`. */
  ttlSecurityHops?: number;
  holdTime?: number;
  updateSource?: string;
  passive?: boolean;
  /** `neighbor X dont-capability-negotiate`: OPEN without capabilities (so a 2-octet-AS peer). */
  dontCapabilityNegotiate?: boolean;
  addpathTxAllPaths?: boolean;
  routeReflectorClient?: boolean;
  nextHopSelf?: boolean;
  /** Extra `neighbor X ...` words after the address, e.g. ['capability extended-nexthop']. */
  extra?: readonly string[];
  /** Extra lines inside each activated address-family block, without the neighbor prefix. */
  familyExtra?: readonly string[];
}

export interface FrrConfig {
  hostname?: string;
  asn: number;
  routerId: string;
  neighbors: readonly FrrNeighbor[];
  /** Prefixes originated with `network P` (import-check is off, so no route is needed). */
  networks?: readonly string[];
  /** `aggregate-address` lines' arguments, e.g. ['10.9.0.0/16 summary-only']. */
  aggregates?: readonly string[];
  gracefulRestart?: boolean;
  /** Extra lines inside `router bgp` (before the address families). */
  extra?: readonly string[];
  /** Top-level lines before `router bgp`, e.g. route-maps and community lists. */
  preamble?: readonly string[];
}

function familyOf(prefix: string): Family {
  return prefix.includes(':') ? 'ipv6' : 'ipv4';
}

export function renderBgpdConfig(config: FrrConfig): string {
  const lines = [`hostname ${config.hostname ?? 'frr'}`, 'log stdout informational', '!'];
  lines.push(...(config.preamble ?? []), '!');
  lines.push(`router bgp ${config.asn}`, ` bgp router-id ${config.routerId}`);
  lines.push(' no bgp ebgp-requires-policy', ' no bgp network import-check', ' no bgp default ipv4-unicast');
  if (config.gracefulRestart === true) lines.push(' bgp graceful-restart');
  for (const line of config.extra ?? []) lines.push(` ${line}`);
  for (const n of config.neighbors) {
    const p = ` neighbor ${n.address}`;
    lines.push(`${p} remote-as ${n.remoteAs}`);
    const hold = n.holdTime ?? 9;
    lines.push(`${p} timers ${Math.max(1, Math.floor(hold / 3))} ${hold}`, `${p} timers connect 1`);
    lines.push(`${p} advertisement-interval 0`);
    if (n.password !== undefined) lines.push(`${p} password ${n.password}`);
    if (n.ttlSecurityHops !== undefined) lines.push(`${p} ttl-security hops ${n.ttlSecurityHops}`);
    if (n.updateSource !== undefined) lines.push(`${p} update-source ${n.updateSource}`);
    if (n.passive === true) lines.push(`${p} passive`);
    if (n.dontCapabilityNegotiate === true) lines.push(`${p} dont-capability-negotiate`);
    for (const words of n.extra ?? []) lines.push(`${p} ${words}`);
  }
  for (const family of ['ipv4', 'ipv6'] as const) {
    const networks = (config.networks ?? []).filter((x) => familyOf(x) === family);
    const aggregates = (config.aggregates ?? []).filter((x) => familyOf(x) === family);
    const neighbors = config.neighbors.filter((n) => (n.families ?? [familyOf(n.address)]).includes(family));
    if (networks.length + aggregates.length + neighbors.length === 0) continue;
    lines.push(` address-family ${family} unicast`);
    for (const prefix of networks) lines.push(`  network ${prefix}`);
    for (const args of aggregates) lines.push(`  aggregate-address ${args}`);
    for (const n of neighbors) {
      const p = `  neighbor ${n.address}`;
      lines.push(`${p} activate`);
      if (n.addpathTxAllPaths === true) lines.push(`${p} addpath-tx-all-paths`);
      if (n.routeReflectorClient === true) lines.push(`${p} route-reflector-client`);
      if (n.nextHopSelf === true) lines.push(`${p} next-hop-self`);
      for (const words of n.familyExtra ?? []) lines.push(`${p} ${words}`);
    }
    lines.push(' exit-address-family');
  }
  lines.push('!');
  return `${lines.join('\n')}\n`;
}

export class Frr {
  readonly lab: Lab;
  readonly node: string;
  readonly dir: string;
  readonly zebra: DaemonProcess;
  readonly bgpd: DaemonProcess;
  config: FrrConfig;

  private constructor(
    lab: Lab,
    node: string,
    dir: string,
    config: FrrConfig,
    zebra: DaemonProcess,
    bgpd: DaemonProcess,
  ) {
    this.lab = lab;
    this.node = node;
    this.dir = dir;
    this.config = config;
    this.zebra = zebra;
    this.bgpd = bgpd;
  }

  /** Starts zebra then bgpd in the node, each with private paths, and waits until vtysh answers. */
  static async start(lab: Lab, node: string, config: FrrConfig, instance = 'frr'): Promise<Frr> {
    const dir = lab.dir(`${node}-${instance}`);
    // The daemons drop privileges to user frr; they write pid files and sockets here.
    await execChecked(['chown', 'frr:frr', dir]);
    writeFileSync(
      join(dir, 'zebra.conf'),
      `hostname ${config.hostname ?? 'frr'}\nlog stdout informational\n`,
    );
    writeFileSync(join(dir, 'bgpd.conf'), renderBgpdConfig(config));
    const common = (daemon: string): string[] => [
      join(FRR_DAEMONS, daemon),
      '-f',
      join(dir, `${daemon}.conf`),
      '-z',
      join(dir, 'zserv.api'),
      '--vty_socket',
      dir,
      '-i',
      join(dir, `${daemon}.pid`),
    ];
    const zebra = lab.spawn(node, common('zebra'), { logFile: join(dir, 'zebra.log') });
    await waitFor(
      `zebra in ${node} to create its zserv socket`,
      async () => {
        if (!zebra.running) throw new Error(`zebra exited with ${zebra.code}; see ${zebra.logFile}`);
        return (await execArgv(['test', '-S', join(dir, 'zserv.api')])).code;
      },
      (code) => code === 0,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const bgpd = lab.spawn(node, common('bgpd'), { logFile: join(dir, 'bgpd.log') });
    const frr = new Frr(lab, node, dir, config, zebra, bgpd);
    await waitFor(
      `bgpd in ${node} to answer vtysh`,
      async () => {
        if (!bgpd.running) throw new Error(`bgpd exited with ${bgpd.code}; see ${bgpd.logFile}`);
        return (await execArgv(['vtysh', '--vty_socket', dir, '-d', 'bgpd', '-c', 'show bgp summary json']))
          .code;
      },
      (code) => code === 0,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    return frr;
  }

  /** Runs vtysh with one -c per command (e.g. 'configure terminal', 'router bgp 65001', ...). */
  async vtysh(...commands: string[]): Promise<string> {
    const argv = ['vtysh', '--vty_socket', this.dir];
    for (const c of commands) argv.push('-c', c);
    const { stdout } = await execChecked(argv);
    return stdout;
  }

  async vtyshJson<T = unknown>(command: string): Promise<T> {
    const out = await this.vtysh(command);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new Error(`vtysh '${command}' did not return JSON: ${out.slice(0, 500)}`);
    }
  }

  /** `show bgp summary json`. */
  summary(): Promise<FrrSummary> {
    return this.vtyshJson<FrrSummary>('show bgp summary json');
  }

  /** `show bgp ipv4|ipv6 unicast json`: routes keyed by prefix. */
  async routes(family: Family = 'ipv4'): Promise<Record<string, FrrPath[]>> {
    const rib = await this.vtyshJson<{ routes?: Record<string, FrrPath[]> }>(
      `show bgp ${family} unicast json`,
    );
    return rib.routes ?? {};
  }

  /** `show bgp neighbors X json` for one neighbor. */
  async neighbor(address: string): Promise<FrrNeighborState> {
    const all = await this.vtyshJson<Record<string, FrrNeighborState>>(`show bgp neighbors ${address} json`);
    const state = all[address];
    if (state === undefined)
      throw new Error(`FRR ${this.node} has no neighbor ${address}: ${JSON.stringify(all)}`);
    return state;
  }

  async waitEstablished(address: string, options: WaitOptions = {}): Promise<FrrNeighborState> {
    return waitFor(
      `FRR ${this.node} neighbor ${address} to be Established`,
      () => this.neighbor(address),
      (n) => n.bgpState === 'Established',
      { timeoutMs: 30_000, ...options },
    );
  }

  /** Applies configuration lines inside `router bgp ASN` (and optionally an address family). */
  async configureBgp(lines: readonly string[], family?: Family): Promise<string> {
    const commands = ['configure terminal', `router bgp ${this.config.asn}`];
    if (family !== undefined) commands.push(`address-family ${family} unicast`);
    return this.vtysh(...commands, ...lines);
  }

  async stop(): Promise<void> {
    await this.bgpd.stop();
    await this.zebra.stop();
  }
}

export interface FrrPath {
  valid?: boolean;
  bestpath?: boolean;
  pathFrom?: string;
  prefix?: string;
  prefixLen?: number;
  network?: string;
  path?: string;
  origin?: string;
  peerId?: string;
  metric?: number;
  locPrf?: number;
  nexthops?: { ip: string; afi: string; scope?: string; used?: boolean }[];
  [key: string]: unknown;
}

export interface FrrSummaryPeer {
  remoteAs: number;
  state: string;
  pfxRcd?: number;
  pfxSnt?: number;
  [key: string]: unknown;
}

export type FrrSummary = Partial<
  Record<
    'ipv4Unicast' | 'ipv6Unicast',
    { routerId: string; as: number; peers: Record<string, FrrSummaryPeer> }
  >
>;

export interface FrrNeighborState {
  remoteAs: number;
  localAs: number;
  bgpState: string;
  [key: string]: unknown;
}
