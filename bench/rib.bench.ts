// Loc-RIB ingestion benchmark (issue 4 "Performance"). Run: npx node --expose-gc bench/rib.bench.ts
//  1. one eBGP peer, 1M IPv4 prefixes, ~100k distinct attribute sets (10 prefixes per UPDATE);
//  2. ten eBGP peers announcing overlapping prefixes (every peer the same table, 10 paths a prefix).
// Input UPDATEs are built before timing, as the decoder would hand them over (PrefixList +
// PathAttributes). Ingestion runs in slices that yield to the event loop; the longest stall is
// taken from monitorEventLoopDelay. Bytes per route = growth of (JS heap + ArrayBuffers) after GC
// divided by routes (paths) held. Prints numbers; it does not pass or fail.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { PathAttributes, PrefixList } from '../bgp/wire/types.ts';
import type { RibPeer } from '../rib/peer.ts';
import { Rib } from '../rib/rib.ts';
import { makePeer, ribConfig } from '../rib/peer.ts';
import { Policy } from '../rib/policy/policy.ts';

interface Update {
  readonly attrs: PathAttributes;
  readonly nlri: PrefixList;
}

/** A private 4-octet AS that the generated AS paths never contain (no loop-ineligible paths). */
const LOCAL_AS = 4200000001;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

function memory(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** `count` prefixes (distinct /24s and /22s from 1.0.0.0 up), `perUpdate` to an UPDATE. */
function buildUpdates(
  count: number,
  perUpdate: number,
  attrSets: number,
  asn: number,
  nextHop: number,
): Update[] {
  const sets: PathAttributes[] = [];
  for (let i = 0; i < attrSets; i++) {
    sets.push({
      origin: i % 3,
      asPath: [{ type: 2, asns: [asn, 3356 + (i % 97), 1000 + (i % 5003), 20000 + i] }],
      nextHop,
      med: i % 7 === 0 ? i % 100 : undefined,
      communities: [(asn << 16) | (i % 50), 0xfde80000 + (i % 13)],
    });
  }
  const out: Update[] = [];
  for (let base = 0, u = 0; base < count; base += perUpdate, u++) {
    const n = Math.min(perUpdate, count - base);
    const words = new Uint32Array(n);
    const lengths = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const i = base + k;
      // 1M distinct prefixes: /24s for most, some /22s in a separate range.
      if (i % 8 === 7) {
        words[k] = (0xc0000000 + ((i >>> 3) << 10)) >>> 0;
        lengths[k] = 22;
      } else {
        words[k] = (0x01000000 + i * 256) >>> 0;
        lengths[k] = 24;
      }
    }
    out.push({ attrs: sets[u % attrSets], nlri: { afi: 1, count: n, words, lengths, pathIds: null } });
  }
  return out;
}

async function ingest(rib: Rib, feeds: { peer: RibPeer; updates: Update[] }[], slice: number) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let prefixes = 0;
  const t0 = performance.now();
  // Interleave peers update by update, as sessions would deliver them.
  const max = Math.max(...feeds.map((f) => f.updates.length));
  const perPeer = Math.max(1, Math.ceil(slice / feeds.length));
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < max; i += perPeer) {
    for (const f of feeds) {
      const end = Math.min(f.updates.length, i + perPeer);
      for (let j = i; j < end; j++) {
        rib.applyUpdate(f.peer, f.updates[j]);
        prefixes += f.updates[j].nlri.count;
      }
    }
    await yieldToLoop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  h.disable();
  return { prefixes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxStallMs: h.max / 1e6 };
}

async function scenario(name: string, peers: number, prefixes: number, attrSets: number, presize: boolean) {
  let fib = 0;
  const rib = new Rib({
    config: ribConfig({ localAs: LOCAL_AS, routerId: 0x0a000001 }),
    nextHopReachable: () => true,
    sink: { fibChange: () => void fib++, bestChanged: () => {} },
    initialPrefixes: presize ? prefixes : 1024,
    initialPaths: presize ? prefixes * peers : 1024,
  });
  const accept = new Policy('accept', [], 'accept');
  const feeds = [];
  for (let p = 1; p <= peers; p++) {
    const peer = makePeer({
      index: p,
      address: Uint8Array.of(10, 0, 0, p),
      asn: 65000 + p,
      routerId: p,
      localAs: LOCAL_AS,
      importPolicy: accept,
    });
    rib.addPeer(peer);
    feeds.push({ peer, updates: buildUpdates(prefixes, 10, attrSets, peer.asn, (10 << 24) + p) });
  }
  const before = memory();
  const r = await ingest(rib, feeds, 200);
  const after = memory();
  const loc = rib.locRib(1);
  const routes = loc.adjIn.size;
  console.log(
    `${name}: ${r.prefixes.toLocaleString()} prefixes in ${r.seconds.toFixed(2)} s = ` +
      `${Math.round(r.prefixes / r.seconds).toLocaleString()} prefixes/s ` +
      `(CPU ${r.cpuSeconds.toFixed(2)} s = ${Math.round(r.prefixes / r.cpuSeconds).toLocaleString()} prefixes per CPU-second); ` +
      `${loc.prefixes.size.toLocaleString()} prefixes, ${routes.toLocaleString()} paths, ` +
      `${rib.interner.size.toLocaleString()} attribute sets, ${fib.toLocaleString()} fib-changes; ` +
      `${((after - before) / routes).toFixed(1)} bytes/path (${((after - before) / loc.prefixes.size).toFixed(1)} bytes/prefix); ` +
      `longest event-loop stall ${r.maxStallMs.toFixed(1)} ms`,
  );
}

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--prefixes', 1_000_000);
const PEERS = arg('--peers', 10);
const SHARED = arg('--shared-prefixes', 300_000);

const PRESIZE = process.argv.includes('--presize');
const sized = PRESIZE ? ' (tables pre-sized)' : ' (tables grow from 1024)';
await scenario(`1 peer${sized}`, 1, N, 100_000, PRESIZE);
await scenario(`${PEERS} peers${sized}`, PEERS, SHARED, 10_000, PRESIZE);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
