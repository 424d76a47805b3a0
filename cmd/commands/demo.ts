// `podbgp demo`: the quick start. As root, builds a routed pod network in network namespaces (a
// ToR running BIRD, FRR or podbgp, N nodes each running the real `podbgp run`, one pod per
// node), shows the sessions, the kernel routes, pod-to-pod pings, the absence of tunnels and one
// packet on the wire, then removes everything: at the end, on error and on Ctrl-C/SIGTERM.
// Exit 0 only when every check passed. `--keep` leaves the lab up; `--cleanup PREFIX` removes it.
//
// In: options. Out: text sections (colour on a terminal) or one JSON summary (-o json).
import { readFileSync } from 'node:fs';
import { CliError, ExitCode, type Command, type Io } from '../cli.ts';
import { cleanupPrefix, DemoLab } from '../demo/lab.ts';
import { apiSocketOf, buildNetwork, defaultTor, startNodes, startTor, torAvailable } from '../demo/build.ts';
import { captureEcho, converged, nodeReport, pingAll, tunnelCheck } from '../demo/checks.ts';
import { judge, summaryJson, type DemoSummary, type NodeReport } from '../demo/summary.ts';
import {
  buildTopology,
  MAX_NODES,
  MIN_NODES,
  TOR_KINDS,
  type DemoTopology,
  type TorKind,
} from '../demo/topology.ts';
import {
  captureSection,
  makeStyle,
  peersSection,
  pingsSection,
  resultSection,
  routesSection,
  topologySection,
  tunnelSection,
  wantsColour,
  type Style,
} from '../demo/render.ts';

const CONVERGE_TIMEOUT_MS = 45_000;

function lastLines(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls every node until sessions are Established and routes are in; fails fast when a daemon dies. */
async function waitConverged(lab: DemoLab, topology: DemoTopology): Promise<NodeReport[]> {
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let last: NodeReport[] = [];
  let lastError = '';
  for (;;) {
    for (const d of lab.daemons) {
      if (!lab.alive(d)) {
        throw new Error(
          `${d.name} in ${d.node} exited; the end of its log (${d.logFile}):\n${lastLines(d.logFile, 8)}`,
        );
      }
    }
    try {
      last = await Promise.all(topology.nodes.map((n) => nodeReport(lab, topology, n)));
      if (converged(last)) return last;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      if (last.length > 0) return last; // judged (and failed) by the checks, with what was seen
      throw new Error(
        `the nodes' podbgp did not answer within ${CONVERGE_TIMEOUT_MS / 1000} s: ${lastError}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function keepText(st: Style, lab: DemoLab, topology: DemoTopology): string {
  const ns = (name: string) => lab.ns(name);
  const [a, b] = topology.nodes as [DemoTopology['nodes'][0], DemoTopology['nodes'][0]];
  const tor: Record<TorKind, string> = {
    bird: `birdc -s ${lab.workDir}/tor/bird.ctl show protocols`,
    frr: `vtysh --vty_socket ${lab.workDir}/tor -c 'show bgp summary'`,
    podbgp: `podbgp peers --socket ${apiSocketOf(lab, 'tor')}`,
  };
  return [
    `\n${st.bold('The lab is still running.')} Look around:`,
    `  podbgp peers --socket ${apiSocketOf(lab, a.name)}`,
    `  podbgp rib --socket ${apiSocketOf(lab, a.name)}`,
    `  ip netns exec ${ns(a.name)} ip route show proto 201`,
    `  ip netns exec ${ns(a.pod.name)} ping ${b.pod.v6}`,
    `  ${tor[topology.tor.kind]}`,
    `  logs and configs: ${lab.workDir}`,
    `Remove it with:`,
    `  ${st.bold(`podbgp demo --cleanup ${lab.prefix}`)}`,
    '',
  ].join('\n');
}

function parseOptions(values: Record<string, unknown>): { nodes: number; tor: TorKind; json: boolean } {
  const nodesText = typeof values.nodes === 'string' ? values.nodes : '3';
  const nodes = Number(nodesText);
  if (!/^\d+$/.test(nodesText) || nodes < MIN_NODES || nodes > MAX_NODES) {
    throw new CliError(
      `podbgp demo: --nodes must be from ${MIN_NODES} to ${MAX_NODES}, got "${nodesText}"`,
      ExitCode.USAGE,
    );
  }
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') {
    throw new CliError(`podbgp demo: -o must be text or json, got "${String(output)}"`, ExitCode.USAGE);
  }
  let tor: TorKind;
  if (values.tor === undefined) tor = defaultTor();
  else if ((TOR_KINDS as readonly unknown[]).includes(values.tor)) tor = values.tor as TorKind;
  else
    throw new CliError(
      `podbgp demo: --tor must be one of ${TOR_KINDS.join(', ')}, got "${String(values.tor)}"`,
      ExitCode.USAGE,
    );
  const missing = torAvailable(tor);
  if (missing !== null) throw new CliError(`podbgp demo: --tor ${tor}: ${missing}`, ExitCode.FAILURE);
  return { nodes, tor, json: output === 'json' };
}

async function runDemo(
  io: Io,
  o: { nodes: number; tor: TorKind; json: boolean; keep: boolean },
): Promise<number> {
  const started = Date.now();
  const st = makeStyle(!o.json && wantsColour(io.stdout, io.env));
  const out = (s: string) => {
    if (!o.json) io.stdout.write(s);
  };
  // Progress: on stdout with the text, on stderr beside the JSON.
  const progress = (s: string) =>
    (o.json ? io.stderr : io.stdout).write(o.json ? `${s}\n` : st.dim(`  · ${s}`) + '\n');
  // A reader that goes away (`podbgp demo | head`) must not stop the run half way: the lab
  // would still be cleaned up by the exit hook, but the checks and the exit code would be lost.
  io.stdout.on('error', () => {});
  io.stderr.on('error', () => {});
  const topology = buildTopology(o.nodes, o.tor);
  const lab = DemoLab.create();
  const summary: DemoSummary = {
    ok: false,
    prefix: lab.prefix,
    tor: o.tor,
    kept: false,
    durationMs: 0,
    convergedMs: null,
    topology,
    nodes: [],
    pings: [],
    capture: null,
    tunnels: null,
    checks: [],
    error: null,
    cleanup: null,
  };

  // Ctrl-C, SIGTERM or a crash: stop what we started, delete what we made, then leave.
  let interrupted = false;
  const onExit = () => lab.cleanupSync();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (interrupted) return;
    interrupted = true;
    io.stderr.write(`\npodbgp demo: ${signal}, cleaning up ${lab.prefix}*\n`);
    void lab.cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('exit', onExit);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  out(`${st.bold('podbgp demo')}: a routed pod network in network namespaces, no overlay\n`);
  out(topologySection(st, topology, lab.prefix));
  progress(`lab ${lab.prefix} (work dir ${lab.workDir})`);
  try {
    progress('creating namespaces, veth links and pod routes');
    await buildNetwork(lab, topology);
    progress(`starting ${o.tor} on tor and podbgp on ${o.nodes} nodes`);
    startTor(lab, topology);
    startNodes(lab, topology);
    progress('waiting for BGP sessions and kernel routes');
    summary.nodes = await waitConverged(lab, topology);
    summary.convergedMs = converged(summary.nodes) ? Date.now() - started : null;
    progress(
      summary.convergedMs === null
        ? 'not converged: showing what there is'
        : `converged ${(summary.convergedMs / 1000).toFixed(1)} s after start`,
    );
    out(peersSection(st, summary.nodes, Date.now()));
    out(routesSection(st, summary.nodes));
    summary.pings = await pingAll(lab, topology);
    out(pingsSection(st, summary.pings));
    summary.tunnels = await tunnelCheck(lab, topology);
    out(tunnelSection(st, summary.tunnels));
    summary.capture = await captureEcho(lab, topology);
    out(captureSection(st, summary.capture));
  } catch (e) {
    summary.error = (e as Error).message;
  }
  summary.checks = judge(summary.nodes, summary.pings, summary.capture, summary.tunnels);
  summary.ok = summary.error === null && summary.checks.every((c) => c.ok);
  if (interrupted) return new Promise<number>(() => {}); // the signal handler exits
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  if (o.keep && summary.error === null) {
    process.off('exit', onExit);
    summary.kept = true;
  } else {
    progress('cleaning up: stopping daemons, deleting namespaces');
    summary.cleanup = await lab.cleanup();
    process.off('exit', onExit);
  }
  summary.durationMs = Date.now() - started;
  if (o.json) {
    io.stdout.write(summaryJson(summary));
  } else {
    if (summary.error !== null) out(`\n${st.red(st.bold('error:'))} ${summary.error}\n`);
    out(resultSection(st, summary.checks, summary.ok, summary.durationMs / 1000));
    if (summary.kept) out(keepText(st, lab, topology));
    else if (summary.cleanup !== null)
      out(
        st.dim(
          `  cleaned up: ${summary.cleanup.killed.length} processes stopped, ${summary.cleanup.namespacesDeleted.length} namespaces deleted`,
        ) + '\n',
      );
  }
  return summary.ok ? ExitCode.OK : ExitCode.FAILURE;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Build a routed pod network in network namespaces and prove it works (root)',
  usage: '[--tor bird|frr|podbgp] [--nodes N] [--keep] [-o text|json] | --cleanup PREFIX',
  help: `
Builds, as root, a small cluster network in network namespaces: a top-of-rack router (BIRD
when installed, else FRR, else podbgp as a route server) and N nodes, each running the real
'podbgp run' with its own Pod CIDRs (10.244.N.0/24, fd00:10:244:N::/64) and a pod in its own
namespace behind it. Nodes peer eBGP with the ToR over IPv4 and IPv6. The demo then shows
'podbgp peers' of every node, the kernel routes podbgp installed (protocol 201), pings pod to
pod across nodes over IPv4 and IPv6, checks that no tunnel device exists anywhere, and
captures one ping on the ToR's wire. Everything is removed at the end, on error and on
Ctrl-C; the host's own links and routes are never touched.

Exit code 0 only when every check passed.

options:
  --tor KIND         bird, frr or podbgp (default: the first one installed)
  --nodes N          number of nodes, ${MIN_NODES} to ${MAX_NODES} (default 3)
  --keep             leave the lab running and print how to look around and clean up
  --cleanup PREFIX   remove a kept lab (its daemons and namespaces), e.g. pbdemo-1a2b3c-
  -o, --output FMT   text (default) or json (a summary for scripts: sessions, routes, pings,
                     tunnel check, capture)

examples:
  sudo podbgp demo
  sudo podbgp demo --tor frr --nodes 4
  sudo podbgp demo --keep && sudo podbgp demo --cleanup pbdemo-1a2b3c-`,
  options: {
    tor: { type: 'string' },
    nodes: { type: 'string' },
    keep: { type: 'boolean' },
    cleanup: { type: 'string' },
    output: { type: 'string', short: 'o' },
  },
  async run(positionals, values, io) {
    if (positionals.length > 0)
      throw new CliError(`podbgp demo: unexpected argument ${positionals[0]}`, ExitCode.USAGE);
    if (process.getuid?.() !== 0) {
      throw new CliError(
        'podbgp demo needs root (it creates network namespaces): sudo podbgp demo',
        ExitCode.FAILURE,
      );
    }
    if (typeof values.cleanup === 'string') {
      let report;
      try {
        report = await cleanupPrefix(values.cleanup);
      } catch (e) {
        throw new CliError(`podbgp demo --cleanup: ${(e as Error).message}`, ExitCode.USAGE);
      }
      io.stdout.write(
        `stopped ${report.killed.length} processes, deleted ${report.namespacesDeleted.length} namespaces (${values.cleanup}*)\n`,
      );
      return ExitCode.OK;
    }
    const o = parseOptions(values);
    return runDemo(io, { ...o, keep: values.keep === true });
  },
};
