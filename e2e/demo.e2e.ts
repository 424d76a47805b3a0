// The quick start itself, as CI runs it: `bin/podbgp demo` as a child process (the real command,
// its real daemons), judged from its `-o json` summary and from the machine afterwards: every
// session Established, every node with kernel routes (protocol 201) to every other node's Pod
// CIDRs, IPv4 and IPv6, via the ToR; pod-to-pod pings answered; no tunnel device; a plain echo
// request captured on the ToR link; and no namespace with the run's prefix, no process of the
// run and no work dir left behind. Also: the podbgp route-server ToR, Ctrl-C (SIGINT) in the
// middle of a run, and --keep followed by --cleanup.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoSummary } from '../cmd/demo/summary.ts';

const PODBGP = fileURLToPath(new URL('../bin/podbgp', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Prefixes seen in this file's runs, so a failing test still gets its lab removed. */
const seen = new Set<string>();

function remember(text: string): void {
  for (const m of text.matchAll(/\b(pbdemo-[0-9a-f]{6}-)/g)) seen.add(m[1]!);
}

function runPodbgp(args: readonly string[], timeoutMs = 90_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(PODBGP, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      remember(stdout + stderr);
      resolve({ code: code ?? (signal === 'SIGTERM' ? 143 : 128), stdout, stderr });
    });
  });
}

function namespacesWith(prefix: string): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}

function workDirOf(prefix: string): string {
  return join(tmpdir(), prefix.replace(/-$/, ''));
}

/** Live processes whose command line names the run's work dir (every daemon the demo starts does). */
function processesOf(prefix: string): number[] {
  const dir = workDirOf(prefix);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && cmdline.includes(dir)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

function expectNothingLeft(prefix: string): void {
  expect(namespacesWith(prefix), `namespaces ${prefix}* left`).to.deep.equal([]);
  expect(processesOf(prefix), `processes of ${prefix} left`).to.deep.equal([]);
  expect(existsSync(workDirOf(prefix)), `work dir of ${prefix} left`).to.equal(false);
}

function parseSummary(run: Run): DemoSummary {
  try {
    return JSON.parse(run.stdout) as DemoSummary;
  } catch {
    throw new Error(`demo printed no JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

/** Everything the quick start promises, read from its summary. */
function expectRoutedPodNetwork(s: DemoSummary, nodeCount: number): void {
  expect(s.error, 'demo error').to.equal(null);
  expect(s.nodes).to.have.length(nodeCount);
  for (const node of s.nodes) {
    expect(node.peers, `${node.name} peers`).to.have.length(2);
    for (const p of node.peers) expect(p.state, `${node.name} -> ${p.address}`).to.equal('Established');
    const others = s.topology.nodes.filter((n) => n.name !== node.name);
    for (const other of others) {
      for (const dst of [other.podCidrV4, other.podCidrV6]) {
        const route = node.routes.find((r) => r.dst === dst);
        expect(route, `${node.name}: route to ${dst}`).to.not.equal(undefined);
        expect(route!.protocol, `${node.name} ${dst} protocol`).to.equal('201');
        expect(node.torAddresses, `${node.name} ${dst} via ${route!.gateway}`).to.include(route!.gateway);
        expect(route!.dev).to.equal('tor');
      }
    }
    expect(node.missingRoutes).to.deep.equal([]);
  }
  expect(s.pings).to.have.length(nodeCount * 2);
  expect(new Set(s.pings.map((p) => p.family))).to.deep.equal(new Set(['ipv4', 'ipv6']));
  for (const p of s.pings) expect(p.ok, `ping ${p.src} -> ${p.dst}`).to.equal(true);
  expect(s.tunnels?.ok).to.equal(true);
  expect(s.tunnels?.devices.filter((d) => d.tunnel && !d.fallback)).to.deep.equal([]);
  expect(s.tunnels?.kinds).to.include('veth');
  const [a, b] = s.topology.nodes;
  expect(s.capture?.ok).to.equal(true);
  expect(s.capture?.line).to.include(`${a!.pod.v4} > ${b!.pod.v4}: ICMP echo request`);
  expect(s.checks.map((c) => [c.name, c.ok])).to.deep.equal([
    ['sessions', true],
    ['routes', true],
    ['pings', true],
    ['no-tunnel', true],
    ['wire-capture', true],
  ]);
  expect(s.ok).to.equal(true);
}

describe('e2e: podbgp demo (the quick start)', function () {
  this.timeout(120_000);

  after(function () {
    // Only if a test failed half way: the demo's own cleanup, by the prefixes we saw.
    for (const prefix of seen) {
      if (namespacesWith(prefix).length > 0 || existsSync(workDirOf(prefix))) {
        spawnSync(PODBGP, ['demo', '--cleanup', prefix], { stdio: 'ignore' });
      }
    }
  });

  it('default ToR, 3 nodes: every check passes, exit 0, nothing left behind', async function () {
    const run = await runPodbgp(['demo', '-o', 'json']);
    const s = parseSummary(run);
    expect(run.code, run.stderr).to.equal(0);
    expect(s.tor).to.equal('bird'); // bird2 is installed by .ci/run
    expectRoutedPodNetwork(s, 3);
    expect(s.durationMs).to.be.below(60_000);
    expect(s.kept).to.equal(false);
    expect(s.cleanup?.namespacesDeleted).to.have.length(7);
    expectNothingLeft(s.prefix);
  });

  it('--tor podbgp (route server ToR installing routes), 2 nodes: every check passes', async function () {
    const run = await runPodbgp(['demo', '--tor', 'podbgp', '--nodes', '2', '-o', 'json']);
    const s = parseSummary(run);
    expect(run.code, run.stderr).to.equal(0);
    expect(s.tor).to.equal('podbgp');
    expectRoutedPodNetwork(s, 2);
    expectNothingLeft(s.prefix);
  });

  it('SIGINT in the middle stops every daemon it started and deletes its namespaces', async function () {
    const child = spawn(PODBGP, ['demo', '--nodes', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number>((resolve) =>
      child.on('close', (code, sig) => resolve(code ?? (sig === 'SIGINT' ? 130 : -1))),
    );
    // Interrupt once daemons of this run are up (its work dir appears in their command lines).
    let prefix: string | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      prefix = /\b(pbdemo-[0-9a-f]{6}-)/.exec(out)?.[1];
      if (prefix !== undefined && out.includes('waiting for BGP') && processesOf(prefix).length >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(prefix, `no lab prefix printed:\n${out}`).to.not.equal(undefined);
    seen.add(prefix!);
    expect(processesOf(prefix!).length, out).to.be.at.least(3);
    expect(namespacesWith(prefix!).length).to.equal(5);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, out).to.equal(130);
    expect(out).to.include(`SIGINT, cleaning up ${prefix}`);
    expectNothingLeft(prefix!);
  });

  it('--keep leaves the lab running (sessions still up), --cleanup PREFIX removes it', async function () {
    const run = await runPodbgp(['demo', '--nodes', '2', '--keep', '-o', 'json']);
    const s = parseSummary(run);
    expect(run.code, run.stderr).to.equal(0);
    expect(s.kept).to.equal(true);
    expect(s.cleanup).to.equal(null);
    expect(namespacesWith(s.prefix)).to.have.length(5);
    expect(processesOf(s.prefix).length).to.be.at.least(3);
    const sock = join(workDirOf(s.prefix), 'node1', 'api.sock');
    const peers = await runPodbgp(['peers', '-o', 'json', '--socket', sock]);
    expect(peers.code, peers.stderr).to.equal(0);
    const list = JSON.parse(peers.stdout) as { state: string }[];
    expect(list.map((p) => p.state)).to.deep.equal(['Established', 'Established']);
    const clean = await runPodbgp(['demo', '--cleanup', s.prefix]);
    expect(clean.code, clean.stderr).to.equal(0);
    expect(clean.stdout).to.match(/deleted 5 namespaces/);
    expectNothingLeft(s.prefix);
  });
});
