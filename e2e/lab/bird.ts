// BIRD 2 driver for the e2e lab: writes a bird.conf from a typed description (BGP neighbors,
// static routes to originate, optional kernel export), starts a private instance inside a lab node
// (`bird -f -c -s -P` in its own work dir), and turns birdc output into objects.
// In: BirdConfig. Out: BirdProtocol / BirdRoute objects parsed from `birdc -s SOCK ...`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './lab.ts';
import type { DaemonProcess } from './process.ts';
import { execArgv, execChecked } from './process.ts';
import { waitFor } from './wait.ts';
import type { WaitOptions } from './wait.ts';

export type Family = 'ipv4' | 'ipv6';

export interface BirdNeighbor {
  /** Protocol name in bird.conf, e.g. 'frr1'. */
  name: string;
  address: string;
  /** For a link-local neighbor address: the interface it lives on. */
  interface?: string;
  remoteAs: number;
  localAs: number;
  localAddress?: string;
  /** Channels, each `import all; export all;` (default ['ipv4'] or ['ipv6'] after the address). */
  families?: readonly Family[];
  password?: string;
  /** GTSM (RFC 5082): `ttl security on`. */
  ttlSecurity?: boolean;
  gracefulRestart?: boolean;
  /** `add paths` per channel: 'on' (both), 'tx' or 'rx'. */
  addPaths?: 'on' | 'tx' | 'rx';
  passive?: boolean;
  /** Route reflector client (iBGP). */
  rrClient?: boolean;
  nextHopSelf?: boolean;
  holdTime?: number;
  connectRetryTime?: number;
  /** Extra lines inside the protocol block and inside each channel block. */
  extra?: readonly string[];
  channelExtra?: readonly string[];
}

export interface BirdStaticRoute {
  prefix: string;
  /** 'blackhole' (default) or a next hop address. */
  via?: string;
  /** BIRD filter statements applied to the route, e.g. ['bgp_med = 10;', 'bgp_community.add((65000,1));']. */
  set?: readonly string[];
}

export interface BirdConfig {
  routerId: string;
  neighbors: readonly BirdNeighbor[];
  staticRoutes?: readonly BirdStaticRoute[];
  /** Export BGP routes into the namespace's kernel table (protocol kernel, both families). */
  kernelExport?: boolean;
  /** Extra top-level text appended to bird.conf. */
  extra?: string;
}

export interface BirdProtocol {
  name: string;
  proto: string;
  state: string;
  /** The Info column, e.g. 'Established' or 'Active    Socket: Connection refused'. */
  info: string;
  /** "BGP state:" for BGP protocols, else ''. */
  bgpState: string;
  /** Every `Key: value` line of `show protocols all`, first occurrence wins. */
  fields: Record<string, string>;
  raw: string;
}

export interface BirdRoute {
  table: string;
  prefix: string;
  /** unicast, blackhole, unreachable, ... */
  kind: string;
  protocol: string;
  primary: boolean;
  preference: number;
  /** Text after the preference, e.g. '[AS65001i]'. */
  info: string;
  /** Next hop lines: `via 10.0.0.1 on eth0`, one entry per next hop. */
  via: string[];
  /** Attribute lines of `show route all`, e.g. {'BGP.as_path': '65001', 'Type': 'BGP univ'}. */
  attributes: Record<string, string>;
}

export function renderBirdConfig(config: BirdConfig): string {
  const lines: string[] = [
    `router id ${config.routerId};`,
    'log stderr all;',
    'protocol device { scan time 5; }',
  ];
  const statics = config.staticRoutes ?? [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const routes = statics.filter((r) => (r.prefix.includes(':') ? 'ipv6' : 'ipv4') === family);
    if (routes.length === 0) continue;
    lines.push(`protocol static static_${family} {`, `  ${family};`);
    for (const route of routes) {
      const target = route.via === undefined || route.via === 'blackhole' ? 'blackhole' : `via ${route.via}`;
      const set = route.set !== undefined && route.set.length > 0 ? ` { ${route.set.join(' ')} }` : '';
      lines.push(`  route ${route.prefix} ${target}${set};`);
    }
    lines.push('}');
  }
  if (config.kernelExport === true) {
    for (const family of ['ipv4', 'ipv6'] as const) {
      lines.push(`protocol kernel kernel_${family} { ${family} { export where source = RTS_BGP; }; }`);
    }
  }
  for (const n of config.neighbors) lines.push(...renderBirdNeighbor(n));
  if (config.extra !== undefined) lines.push(config.extra);
  return `${lines.join('\n')}\n`;
}

function renderBirdNeighbor(n: BirdNeighbor): string[] {
  const families = n.families ?? [n.address.includes(':') ? 'ipv6' : 'ipv4'];
  const scope = n.interface === undefined ? '' : `%'${n.interface}'`;
  const lines = [`protocol bgp ${n.name} {`];
  lines.push(
    n.localAddress === undefined ? `  local as ${n.localAs};` : `  local ${n.localAddress} as ${n.localAs};`,
  );
  lines.push(`  neighbor ${n.address}${scope} as ${n.remoteAs};`);
  lines.push(
    `  hold time ${n.holdTime ?? 9};`,
    `  keepalive time ${Math.max(1, Math.floor((n.holdTime ?? 9) / 3))};`,
  );
  lines.push(`  connect retry time ${n.connectRetryTime ?? 1};`, '  error wait time 1, 5;');
  if (n.password !== undefined) lines.push(`  password "${n.password}";`);
  if (n.ttlSecurity === true) lines.push('  ttl security on;');
  if (n.gracefulRestart !== undefined) lines.push(`  graceful restart ${n.gracefulRestart ? 'on' : 'off'};`);
  if (n.passive === true) lines.push('  passive on;');
  if (n.rrClient === true) lines.push('  rr client;');
  for (const line of n.extra ?? []) lines.push(`  ${line}`);
  for (const family of families) {
    lines.push(`  ${family} {`, '    import all;', '    export all;');
    if (n.addPaths !== undefined) lines.push(`    add paths ${n.addPaths};`);
    if (n.nextHopSelf === true) lines.push('    next hop self;');
    for (const line of n.channelExtra ?? []) lines.push(`    ${line}`);
    lines.push('  };');
  }
  lines.push('}');
  return lines;
}

export class Bird {
  readonly lab: Lab;
  readonly node: string;
  readonly dir: string;
  readonly socket: string;
  readonly configFile: string;
  readonly process: DaemonProcess;
  config: BirdConfig;

  private constructor(lab: Lab, node: string, dir: string, config: BirdConfig, daemon: DaemonProcess) {
    this.lab = lab;
    this.node = node;
    this.dir = dir;
    this.socket = join(dir, 'bird.ctl');
    this.configFile = join(dir, 'bird.conf');
    this.config = config;
    this.process = daemon;
  }

  /** Writes the config, checks it with `bird -p`, starts BIRD in the node and waits for its socket. */
  static async start(lab: Lab, node: string, config: BirdConfig, instance = 'bird'): Promise<Bird> {
    const dir = lab.dir(`${node}-${instance}`);
    const configFile = join(dir, 'bird.conf');
    writeFileSync(configFile, renderBirdConfig(config));
    await execChecked(['bird', '-p', '-c', configFile]);
    const daemon = lab.spawn(
      node,
      ['bird', '-f', '-c', configFile, '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')],
      { logFile: join(dir, 'bird.log') },
    );
    const bird = new Bird(lab, node, dir, config, daemon);
    await waitFor(
      `BIRD in ${node} to answer on its control socket`,
      async () => {
        if (!daemon.running) throw new Error(`bird exited with ${daemon.code}; see ${daemon.logFile}`);
        return (await execArgv(['birdc', '-s', bird.socket, 'show', 'status'])).stdout;
      },
      (out) => out.includes('Daemon is up and running'),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    return bird;
  }

  /** Runs one birdc command (words as argv) and returns its output without the banner line. */
  async birdc(...words: string[]): Promise<string> {
    const { stdout } = await execChecked(['birdc', '-s', this.socket, ...words]);
    return stdout.replace(/^BIRD [^\n]* ready\.\n/, '');
  }

  async showProtocol(name: string): Promise<BirdProtocol> {
    return parseBirdProtocol(await this.birdc('show', 'protocols', 'all', name));
  }

  /** `show route [all] [protocol X] [table T]` parsed; all=true gives attributes. */
  async showRoutes(
    options: { protocol?: string; table?: string; all?: boolean; prefix?: string } = {},
  ): Promise<BirdRoute[]> {
    const words = ['show', 'route'];
    if (options.prefix !== undefined) words.push('for', options.prefix);
    if (options.table !== undefined) words.push('table', options.table);
    if (options.protocol !== undefined) words.push('protocol', options.protocol);
    if (options.all !== false) words.push('all');
    return parseBirdRoutes(await this.birdc(...words));
  }

  /** Protocol name for a neighbor address or name. */
  protocolName(peer: string): string {
    const n = this.config.neighbors.find((x) => x.name === peer || x.address === peer);
    if (n === undefined) throw new Error(`BIRD in ${this.node} has no neighbor ${peer}`);
    return n.name;
  }

  async waitEstablished(peer: string, options: WaitOptions = {}): Promise<BirdProtocol> {
    const name = this.protocolName(peer);
    return waitFor(
      `BIRD ${this.node} protocol ${name} to be Established`,
      () => this.showProtocol(name),
      (p) => p.bgpState === 'Established',
      { timeoutMs: 30_000, ...options },
    );
  }

  /** Rewrites bird.conf (when given) and runs `configure`. */
  async configure(config?: BirdConfig): Promise<string> {
    if (config !== undefined) {
      this.config = config;
      writeFileSync(this.configFile, renderBirdConfig(config));
      await execChecked(['bird', '-p', '-c', this.configFile]);
    }
    return this.birdc('configure');
  }

  async restart(peer: string): Promise<string> {
    return this.birdc('restart', this.protocolName(peer));
  }

  /** `disable NAME "message"`: Cease/Administrative Shutdown with an RFC 8203 message. */
  async disable(peer: string, message?: string): Promise<string> {
    const words = ['disable', this.protocolName(peer)];
    if (message !== undefined) words.push(`"${message}"`);
    return this.birdc(...words);
  }

  async enable(peer: string): Promise<string> {
    return this.birdc('enable', this.protocolName(peer));
  }

  /** `reload in NAME`: asks the peer for a ROUTE-REFRESH. */
  async reloadIn(peer: string): Promise<string> {
    return this.birdc('reload', 'in', this.protocolName(peer));
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}

export function parseBirdProtocol(text: string): BirdProtocol {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const headerIndex = lines.findIndex((l) => l.startsWith('Name'));
  const row = lines[headerIndex + 1];
  if (headerIndex < 0 || row === undefined) throw new Error(`unexpected birdc output: ${text}`);
  // Name Proto Table State Since Info; Since is one or two words (time, or date and time).
  const cols = row.trim().split(/\s+/);
  const [name = '', proto = '', , state = ''] = cols;
  const sinceWords = /^\d{4}-\d\d-\d\d$/.test(cols[4] ?? '') ? 2 : 1;
  const info = cols.slice(4 + sinceWords).join(' ');
  const fields: Record<string, string> = {};
  for (const line of lines.slice(headerIndex + 2)) {
    const m = /^\s+([^:]+):\s*(.*)$/.exec(line);
    if (m !== null && m[1] !== undefined && !(m[1].trim() in fields))
      fields[m[1].trim()] = (m[2] ?? '').trim();
  }
  return { name, proto, state, info, bgpState: fields['BGP state'] ?? '', fields, raw: text };
}

export function parseBirdRoutes(text: string): BirdRoute[] {
  const routes: BirdRoute[] = [];
  let table = '';
  let prefix = '';
  let current: BirdRoute | undefined;
  for (const line of text.split('\n')) {
    const tableMatch = /^Table (\S+):$/.exec(line);
    if (tableMatch !== null) {
      table = tableMatch[1] ?? '';
      continue;
    }
    // `PREFIX  kind [proto since] * (pref) info` or, for further routes of a prefix, indented.
    const routeMatch = /^(\S+)?\s+(\w+) \[(\S+) [^\]]*\]( \*)? \((\d+)(?:\/\d+)?\)\s*(.*)$/.exec(line);
    if (routeMatch !== null) {
      if (routeMatch[1] !== undefined) prefix = routeMatch[1];
      current = {
        table,
        prefix,
        kind: routeMatch[2] ?? '',
        protocol: routeMatch[3] ?? '',
        primary: routeMatch[4] !== undefined,
        preference: Number(routeMatch[5]),
        info: (routeMatch[6] ?? '').trim(),
        via: [],
        attributes: {},
      };
      routes.push(current);
      continue;
    }
    if (current === undefined) continue;
    const trimmed = line.trim();
    if (trimmed.startsWith('via ') || trimmed.startsWith('dev ')) {
      current.via.push(trimmed);
      continue;
    }
    const attr = /^\s+([\w.]+):\s?(.*)$/.exec(line);
    if (attr !== null && attr[1] !== undefined) current.attributes[attr[1]] = (attr[2] ?? '').trim();
  }
  return routes;
}
