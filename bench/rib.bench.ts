// Loc-RIB ingestion benchmark (issue 4 "Performance"). Run: npx node --expose-gc bench/rib.bench.ts
// Scenarios (each in its own child process, so peak RSS is that scenario's own):
//  1. one eBGP peer, 1M IPv4 prefixes, 100k distinct attribute sets, 10 prefixes per UPDATE,
//     tables growing from 1024 entries, then the same with tables pre-sized;
//  2. ten eBGP peers, each announcing the same 1M prefixes (every prefix ends with 10 paths),
//     10k attribute sets per peer (100k in all), UPDATEs of the ten peers interleaved.
// Input: one array of prefix words and lengths, built before timing. Each UPDATE is made on the
// fly, as the decoder would hand it over: its PrefixList as views into those arrays, its
// PathAttributes as fresh objects (update u of a peer carries attribute set u mod sets-per-peer),
// so the heap holds what the RIB keeps, not a million pre-built inputs. Ingestion runs in slices of SLICE_UPDATES updates that yield to the event loop
// (a session handles one socket read's worth per turn). Reported: prefixes/s (wall and per
// CPU-second: process CPU, so GC helper threads count), bytes per route (growth of JS heap +
// ArrayBuffers after GC from before the Rib was made, divided by paths held), peak RSS, and the longest event-loop stall as
// both monitorEventLoopDelay's max and the worst lateness of a 10 ms interval timer.
// It prints numbers; it does not pass or fail.
//
// Options: --prefixes N (1M), --peers N (10), --only NAME (run one scenario in this process).
import { execFileSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { PathAttributes, PrefixList } from '../bgp/wire/types.ts';
import type { RibPeer } from '../rib/peer.ts';
import { Rib } from '../rib/rib.ts';
import { makePeer, ribConfig } from '../rib/peer.ts';
import { Policy } from '../rib/policy/policy.ts';

/** A private 4-octet AS that the generated AS paths never contain (no loop-ineligible paths). */
const LOCAL_AS = 4200000001;
const PER_UPDATE = 10;
const SLICE_UPDATES = 200;

interface Feed {
  readonly peer: RibPeer;
  readonly words: Uint32Array;
  readonly lengths: Uint8Array;
  readonly attrSets: number;
  readonly nextHop: number;
}

interface Scenario {
  readonly name: string;
  readonly peers: number;
  readonly attrSetsPerPeer: number;
  readonly presize: boolean;
}

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--prefixes', 1_000_000);
const PEERS = arg('--peers', 10);

const SCENARIOS: Scenario[] = [
  { name: '1 peer, tables grow from 1024', peers: 1, attrSetsPerPeer: 100_000, presize: false },
  { name: '1 peer, tables pre-sized', peers: 1, attrSetsPerPeer: 100_000, presize: true },
  { name: `${PEERS} peers, tables grow from 1024`, peers: PEERS, attrSetsPerPeer: 10_000, presize: false },
];

function memory(gc: () => void): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** N distinct prefixes: /24s from 1.0.0.0 up, every eighth a /22 from 192.0.0.0 up. */
function buildPrefixes(count: number): { words: Uint32Array; lengths: Uint8Array } {
  const words = new Uint32Array(count);
  const lengths = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    if (i % 8 === 7) {
      words[i] = (0xc0000000 + ((i >>> 3) << 10)) >>> 0;
      lengths[i] = 22;
    } else {
      words[i] = (0x01000000 + i * 256) >>> 0;
      lengths[i] = 24;
    }
  }
  return { words, lengths };
}

/** Attribute set i of a peer, built fresh for every UPDATE as the decoder would build it. */
function attrsOf(i: number, asn: number, nextHop: number): PathAttributes {
  return {
    origin: i % 3,
    asPath: [{ type: 2, asns: [asn, 3356 + (i % 97), 1000 + (i % 5003), 20000 + i] }],
    nextHop,
    med: i % 7 === 0 ? i % 100 : undefined,
    communities: [(asn << 16) | (i % 50), 0xfde80000 + (i % 13)],
  };
}

/** UPDATE number u of a feed, as the decoder would produce it. */
function updateOf(f: Feed, u: number): { attrs: PathAttributes; nlri: PrefixList } {
  const from = u * PER_UPDATE;
  const to = Math.min(f.words.length, from + PER_UPDATE);
  return {
    attrs: attrsOf(u % f.attrSets, f.peer.asn, f.nextHop),
    nlri: {
      afi: 1,
      count: to - from,
      words: f.words.subarray(from, to),
      lengths: f.lengths.subarray(from, to),
      pathIds: null,
    },
  };
}

async function ingest(rib: Rib, feeds: Feed[]) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  // The worst lateness of a 10 ms timer: what a keepalive timer would suffer.
  let worstLateMs = 0;
  let due = performance.now() + 10;
  const timer = setInterval(() => {
    const now = performance.now();
    worstLateMs = Math.max(worstLateMs, now - due);
    due = now + 10;
  }, 10);
  h.enable();
  let prefixes = 0;
  const updates = Math.ceil(N / PER_UPDATE);
  const perPeer = Math.max(1, Math.ceil(SLICE_UPDATES / feeds.length));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // Interleave peers update by update, as sessions would deliver them.
  // The longest slice in wall time and the main thread's CPU time in it: a long slice with little
  // CPU was the machine's scheduler (2 cores shared), not our work; GC on the main thread counts.
  let longestSliceMs = 0;
  let longestSliceCpuMs = 0;
  let mostCpuSliceMs = 0;
  for (let i = 0; i < updates; i += perPeer) {
    const sliceStart = performance.now();
    const sliceCpu = process.threadCpuUsage();
    const end = Math.min(updates, i + perPeer);
    for (const f of feeds) {
      for (let u = i; u < end; u++) {
        const m = updateOf(f, u);
        rib.applyUpdate(f.peer, m);
        prefixes += m.nlri.count;
      }
    }
    const wall = performance.now() - sliceStart;
    const c = process.threadCpuUsage(sliceCpu);
    const cpuMs = (c.user + c.system) / 1000;
    if (wall > longestSliceMs) [longestSliceMs, longestSliceCpuMs] = [wall, cpuMs];
    mostCpuSliceMs = Math.max(mostCpuSliceMs, cpuMs);
    await yieldToLoop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  h.disable();
  clearInterval(timer);
  return {
    prefixes,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    loopDelayMaxMs: h.max / 1e6,
    timerLateMs: worstLateMs,
    longestSliceMs,
    longestSliceCpuMs,
    mostCpuSliceMs,
  };
}

async function run(s: Scenario): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const { words, lengths } = buildPrefixes(N);
  // Taken before the Rib exists, so pre-sized tables count too.
  const before = memory(gc);
  let fib = 0;
  const rib = new Rib({
    config: ribConfig({ localAs: LOCAL_AS, routerId: 0x0a000001 }),
    nextHopReachable: () => true,
    sink: { fibChange: () => void fib++, bestChanged: () => {} },
    initialPrefixes: s.presize ? N : 1024,
    initialPaths: s.presize ? N * s.peers : 1024,
  });
  const accept = new Policy('accept', [], 'accept');
  const feeds: Feed[] = [];
  for (let p = 1; p <= s.peers; p++) {
    const peer = makePeer({
      index: p,
      address: Uint8Array.of(10, 0, 0, p),
      asn: 65000 + p,
      routerId: p,
      localAs: LOCAL_AS,
      importPolicy: accept,
    });
    rib.addPeer(peer);
    feeds.push({ peer, words, lengths, attrSets: s.attrSetsPerPeer, nextHop: (10 << 24) + p });
  }
  const r = await ingest(rib, feeds);
  const after = memory(gc);
  const loc = rib.locRib(1);
  const paths = loc.adjIn.size;
  const result = {
    scenario: s.name,
    prefixesIngested: r.prefixes,
    seconds: r.seconds,
    prefixesPerSecond: r.prefixes / r.seconds,
    prefixesPerCpuSecond: r.prefixes / r.cpuSeconds,
    prefixes: loc.prefixes.size,
    paths,
    attributeSets: rib.interner.size,
    fibChanges: fib,
    bytesPerPath: (after - before) / paths,
    bytesPerPrefix: (after - before) / loc.prefixes.size,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    loopDelayMaxMs: r.loopDelayMaxMs,
    timerLateMs: r.timerLateMs,
    longestSliceMs: r.longestSliceMs,
    longestSliceCpuMs: r.longestSliceCpuMs,
    mostCpuSliceMs: r.mostCpuSliceMs,
  };
  console.log(JSON.stringify(result));
}

function report(j: Record<string, number | string>): void {
  const n = (v: number | string, d = 0): string =>
    Number(v).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  console.log(`${j.scenario}:`);
  console.log(
    `  ${n(j.prefixesIngested)} prefixes in ${n(j.seconds, 2)} s = ${n(j.prefixesPerSecond)} prefixes/s, ` +
      `${n(j.prefixesPerCpuSecond)} per CPU-second`,
  );
  console.log(
    `  held: ${n(j.prefixes)} prefixes, ${n(j.paths)} paths, ${n(j.attributeSets)} attribute sets; ` +
      `${n(j.fibChanges)} fib-changes`,
  );
  console.log(
    `  memory: ${n(j.bytesPerPath, 1)} bytes/path (${n(j.bytesPerPrefix, 1)} bytes/prefix), ` +
      `peak RSS ${n(j.peakRssMiB)} MiB`,
  );
  console.log(
    `  longest event-loop stall: ${n(j.loopDelayMaxMs, 1)} ms (monitorEventLoopDelay max), ` +
      `${n(j.timerLateMs, 1)} ms (10 ms timer's worst lateness)`,
  );
  console.log(
    `  longest slice ${n(j.longestSliceMs, 1)} ms wall with ${n(j.longestSliceCpuMs, 1)} ms main-thread CPU; ` +
      `most CPU in one slice ${n(j.mostCpuSliceMs, 1)} ms`,
  );
}

const only = process.argv.indexOf('--only');
if (only >= 0) {
  const s = SCENARIOS.find((x) => x.name === process.argv[only + 1]);
  if (s === undefined) throw new Error(`no scenario ${process.argv[only + 1]}`);
  await run(s);
} else {
  const extra = process.argv.slice(2);
  for (const s of SCENARIOS) {
    const out = execFileSync(
      process.execPath,
      [...process.execArgv, process.argv[1], ...extra, '--only', s.name],
      { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    report(JSON.parse(out.trim().split('\n').pop()!) as Record<string, number | string>);
  }
}
