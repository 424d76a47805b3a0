// ExaBGP 4.2 driver for the e2e lab: a route sender for odd attributes and capability sets.
// Writes exabgp.conf (neighbor blocks with static routes) plus one API process that appends
// ExaBGP's JSON events to events.jsonl and feeds commands.txt back to ExaBGP, so a test can
// announce/withdraw at run time and wait for the session state. Runs as root without dropping
// privileges and without the named-pipe CLI, inside a lab node.
// In: ExaBgpConfig, announce/withdraw command lines. Out: parsed JSON events.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from './lab.ts';
import type { DaemonProcess } from './process.ts';
import { waitFor } from './wait.ts';
import type { WaitOptions } from './wait.ts';
import type { Family } from './bird.ts';

export interface ExaBgpNeighbor {
  address: string;
  localAddress: string;
  localAs: number;
  remoteAs: number;
  routerId: string;
  families?: readonly Family[];
  holdTime?: number;
  passive?: boolean;
  /** false sends an OPEN without the 4-octet AS capability (then AS_PATH is 2-octet + AS4_PATH). */
  asn4?: boolean;
  routeRefresh?: boolean;
  /** Graceful restart time in seconds. */
  gracefulRestart?: number;
  addPath?: 'send' | 'receive' | 'send/receive';
  /** Static routes in ExaBGP syntax after `route`, e.g. '10.1.0.0/24 next-hop 10.0.0.1 med 10'. */
  routes?: readonly string[];
  md5Password?: string;
}

export interface ExaBgpConfig {
  neighbors: readonly ExaBgpNeighbor[];
}

export function renderExaBgpConfig(config: ExaBgpConfig, apiScript: string): string {
  const l = ['process lab-api {', `  run ${apiScript};`, '  encoder json;', '}', ''];
  for (const n of config.neighbors) {
    l.push(`neighbor ${n.address} {`, `  router-id ${n.routerId};`, `  local-address ${n.localAddress};`);
    l.push(`  local-as ${n.localAs};`, `  peer-as ${n.remoteAs};`, `  hold-time ${n.holdTime ?? 9};`);
    if (n.passive === true) l.push('  passive true;');
    if (n.md5Password !== undefined) l.push(`  md5-password "${n.md5Password}";`);
    l.push('  capability {', `    asn4 ${n.asn4 === false ? 'disable' : 'enable'};`);
    if (n.routeRefresh === true) l.push('    route-refresh enable;');
    if (n.gracefulRestart !== undefined) l.push(`    graceful-restart ${n.gracefulRestart};`);
    if (n.addPath !== undefined) l.push(`    add-path ${n.addPath};`);
    l.push('  }', '  family {');
    for (const f of n.families ?? [n.address.includes(':') ? 'ipv6' : 'ipv4']) l.push(`    ${f} unicast;`);
    l.push('  }', '  api {', '    processes [ lab-api ];', '    neighbor-changes;', '  }');
    if ((n.routes ?? []).length > 0) {
      l.push('  static {');
      for (const r of n.routes ?? []) l.push(`    route ${r};`);
      l.push('  }');
    }
    l.push('}', '');
  }
  return `${l.join('\n')}\n`;
}

export interface ExaBgpEvent {
  type?: string;
  neighbor?: { address?: { local?: string; peer?: string }; state?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export class ExaBgp {
  readonly lab: Lab;
  readonly node: string;
  readonly dir: string;
  readonly process: DaemonProcess;
  readonly eventsFile: string;
  readonly commandsFile: string;

  private constructor(lab: Lab, node: string, dir: string, daemon: DaemonProcess) {
    this.lab = lab;
    this.node = node;
    this.dir = dir;
    this.process = daemon;
    this.eventsFile = join(dir, 'events.jsonl');
    this.commandsFile = join(dir, 'commands.txt');
  }

  static async start(lab: Lab, node: string, config: ExaBgpConfig, instance = 'exabgp'): Promise<ExaBgp> {
    const dir = lab.dir(`${node}-${instance}`);
    const events = join(dir, 'events.jsonl');
    const commands = join(dir, 'commands.txt');
    writeFileSync(events, '');
    writeFileSync(commands, '');
    // The API process: ExaBGP's JSON goes to events.jsonl; lines appended to commands.txt go to ExaBGP.
    const script = join(dir, 'api.sh');
    // (sh gives a background job /dev/null as stdin, so ExaBGP's pipe is handed over as fd 3.)
    const body = `#!/bin/sh\nexec 3<&0\ncat <&3 >> '${events}' &\nexec tail -n +1 -F '${commands}' 3<&-\n`;
    writeFileSync(script, body, { mode: 0o755 });
    const file = join(dir, 'exabgp.conf');
    writeFileSync(file, renderExaBgpConfig(config, script));
    const env = {
      ...process.env,
      exabgp_daemon_drop: 'false',
      exabgp_daemon_user: 'root',
      exabgp_api_cli: 'false',
      exabgp_log_destination: 'stdout',
      exabgp_tcp_bind: '',
    };
    const daemon = lab.spawn(node, ['exabgp', file], { logFile: join(dir, 'exabgp.log'), env });
    return new ExaBgp(lab, node, dir, daemon);
  }

  /** All JSON events ExaBGP has reported to the API process so far. */
  events(): ExaBgpEvent[] {
    const out: ExaBgpEvent[] = [];
    for (const line of readFileSync(this.eventsFile, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as ExaBgpEvent);
      } catch {
        // ExaBGP also writes non-JSON acknowledgements ("done").
      }
    }
    return out;
  }

  /** The last reported state ('up', 'down', 'connected') of the session with `peer`. */
  state(peer: string): string | undefined {
    let state: string | undefined;
    for (const e of this.events()) {
      if (e.type === 'state' && e.neighbor?.address?.peer === peer) state = e.neighbor.state;
    }
    return state;
  }

  async waitEstablished(peer: string, options: WaitOptions = {}): Promise<string | undefined> {
    return waitFor(
      `ExaBGP ${this.node} neighbor ${peer} to be up`,
      () => {
        if (!this.process.running)
          throw new Error(`exabgp exited with ${this.process.code}; see ${this.process.logFile}`);
        return this.state(peer);
      },
      (s) => s === 'up',
      { timeoutMs: 30_000, ...options },
    );
  }

  /** Sends an API command, e.g. 'announce route 10.2.0.0/24 next-hop 10.0.0.1' or 'withdraw route ...'. */
  command(line: string): void {
    appendFileSync(this.commandsFile, `${line}\n`);
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}
