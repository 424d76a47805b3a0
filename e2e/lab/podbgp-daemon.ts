// The real podbgp daemon (`bin/podbgp run`) as a process inside a lab node, like the BIRD and FRR
// drivers: a YAML config in its own work dir, the API socket and metrics port private to the
// instance, the PID recorded by the lab. Queries go through the real CLI (`podbgp peers -o json`)
// and the kernel through `ip -j route` inside the node (the independent oracle).
// In: a Lab node and a config (config/schema.ts fields). Out: PodbgpDaemon with waits and queries.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Lab } from './lab.ts';
import type { DaemonProcess } from './process.ts';
import { execArgv } from './process.ts';
import { waitFor, type WaitOptions } from './wait.ts';

export const PODBGP_BIN = fileURLToPath(new URL('../../bin/podbgp', import.meta.url));

/** Our kernel routes' protocol number (config kernel.protocol default). */
export const PODBGP_PROTOCOL = 201;

export interface PeerJson {
  address: string;
  asn: number;
  state: string;
  families: { family: string; received: number; accepted: number; advertised: number }[];
  lastError: string | null;
}

export interface KernelRouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string | number;
  metric?: number;
  type?: string;
  nexthops?: { gateway?: string; dev?: string; weight?: number }[];
}

export class PodbgpDaemon {
  readonly lab: Lab;
  readonly node: string;
  readonly dir: string;
  readonly configFile: string;
  readonly socket: string;
  readonly metricsPort: number;
  config: Record<string, unknown>;
  process: DaemonProcess;

  private constructor(
    lab: Lab,
    node: string,
    dir: string,
    config: Record<string, unknown>,
    process: DaemonProcess,
  ) {
    this.lab = lab;
    this.node = node;
    this.dir = dir;
    this.configFile = `${dir}/podbgp.yaml`;
    this.socket = `${dir}/api.sock`;
    this.metricsPort = 9179;
    this.config = config;
    this.process = process;
  }

  /**
   * Writes the config (api.socket and metrics.address are filled in) and starts `podbgp run`
   * inside `node`. `extraArgs` go after `--config FILE` (e.g. --graceful-restart-restarting).
   */
  static async start(
    lab: Lab,
    node: string,
    config: Record<string, unknown>,
    extraArgs: readonly string[] = [],
  ): Promise<PodbgpDaemon> {
    const dir = lab.dir(`podbgp-${node}`);
    const full = {
      logging: { level: 'debug', format: 'json' },
      ...config,
      api: { socket: `${dir}/api.sock` },
      metrics: { address: '127.0.0.1:9179' },
    };
    writeFileSync(`${dir}/podbgp.yaml`, stringify(full));
    const d = new PodbgpDaemon(lab, node, dir, full, null as unknown as DaemonProcess);
    d.process = d.spawn(extraArgs);
    await d.waitApi();
    return d;
  }

  private spawn(extraArgs: readonly string[]): DaemonProcess {
    return this.lab.spawn(this.node, [PODBGP_BIN, 'run', '--config', this.configFile, ...extraArgs], {
      logFile: `${this.dir}/podbgp.log`,
    });
  }

  /** Restarts the process (after stop or kill), with the same config file. */
  async restart(extraArgs: readonly string[] = []): Promise<void> {
    if (this.process.running) await this.process.stop();
    this.process = this.spawn(extraArgs);
    await this.waitApi();
  }

  /** kill -9: nothing is sent, nothing is cleaned up (graceful-restart tests). */
  async kill9(): Promise<void> {
    this.process.signal('SIGKILL');
    await this.process.exited;
  }

  /** Rewrites the config file and sends SIGHUP. */
  reload(config: Record<string, unknown>): void {
    this.config = { ...this.config, ...config, api: this.config.api, metrics: this.config.metrics };
    writeFileSync(this.configFile, stringify(this.config));
    this.process.signal('SIGHUP');
  }

  private async waitApi(): Promise<void> {
    await waitFor(
      `podbgp in ${this.node} to answer on its API socket (log: ${this.dir}/podbgp.log)`,
      async () => (this.process.running ? (await this.cli(['peers', '-o', 'json'])).code : -1),
      (code) => code === 0 || !this.process.running,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    if (!this.process.running)
      throw new Error(`podbgp in ${this.node} exited at start (log: ${this.dir}/podbgp.log)`);
  }

  /** Runs the real CLI against this daemon's socket (from the host: the socket is a file). */
  cli(args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    return execArgv([PODBGP_BIN, ...args, '--socket', this.socket]);
  }

  async cliJson<T>(args: readonly string[]): Promise<T> {
    const r = await this.cli([...args, '-o', 'json']);
    if (r.code !== 0) throw new Error(`podbgp ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  peers(): Promise<PeerJson[]> {
    return this.cliJson<PeerJson[]>(['peers']);
  }

  async waitEstablished(address: string, opts?: WaitOptions): Promise<PeerJson> {
    const peers = await waitFor(
      `podbgp in ${this.node}: session with ${address} Established`,
      () => this.peers(),
      (ps) => ps.some((p) => p.address === address && p.state === 'Established'),
      opts,
    );
    return peers.find((p) => p.address === address)!;
  }

  /** Our routes in the node's kernel (`ip -j route show proto 201`), IPv4 or IPv6. */
  async kernelRoutes(family: 4 | 6 = 4): Promise<KernelRouteJson[]> {
    const r = await this.lab.execOk(this.node, [
      'ip',
      `-${family}`,
      '-j',
      'route',
      'show',
      'proto',
      String(PODBGP_PROTOCOL),
    ]);
    return JSON.parse(r.stdout || '[]') as KernelRouteJson[];
  }

  /** Waits until the kernel route for `dst` satisfies `accept` (absent: undefined). */
  async waitKernelRoute(
    dst: string,
    accept: (r: KernelRouteJson | undefined) => boolean,
    opts?: WaitOptions,
  ): Promise<KernelRouteJson | undefined> {
    const family = dst.includes(':') ? 6 : 4;
    const routes = await waitFor(
      `kernel route ${dst} in ${this.node}`,
      () => this.kernelRoutes(family),
      (rs) => accept(rs.find((r) => r.dst === dst)),
      opts,
    );
    return routes.find((r) => r.dst === dst);
  }

  /** GETs a path on the metrics/health port inside the node. */
  async http(path: string): Promise<{ status: number; body: string }> {
    const r = await this.lab.exec(this.node, [
      'curl',
      '-s',
      '-w',
      '\n%{http_code}',
      `http://127.0.0.1:${this.metricsPort}${path}`,
    ]);
    const lines = r.stdout.trimEnd().split('\n');
    const status = Number(lines.pop());
    return { status, body: lines.join('\n') };
  }

  async stop(): Promise<number> {
    return this.process.stop();
  }
}
