// UPDATE codec throughput: decode (body bytes -> UpdateMessage with PrefixLists) and encode
// (attributes + PrefixList -> UPDATE messages through the packer) for realistic UPDATEs: IPv4 and
// IPv6, 1/10/100/1000 prefixes per message (1000 with RFC 8654 Extended Message), with and
// without ADD-PATH, and attribute sets with short and long AS paths and communities.
// Prints a table of prefixes/s, messages/s and bytes/s per case; it does not pass or fail.
// Run: npm run bench:codec   (BENCH_MS=300 sets the time per case)
import { Afi, IPV4_UNICAST, IPV6_UNICAST } from '../bgp/wire/iana/afi-safi.ts';
import { packAnnouncements } from '../bgp/wire/packer.ts';
import {
  DEFAULT_CONTEXT,
  type CodecContext,
  type PathAttributes,
  type PrefixList,
} from '../bgp/wire/types.ts';
import { decodeUpdate } from '../bgp/wire/update.ts';

const MS = Number(process.env['BENCH_MS'] ?? 300);

function prefixes(afi: number, count: number, seed: number): PrefixList {
  let x = seed >>> 0;
  const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  const wpp = afi === Afi.IPV6 ? 4 : 1;
  const words = new Uint32Array(count * wpp);
  const lengths = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    // Table-like lengths: IPv4 mostly /24 with some /16-/23; IPv6 mostly /48 with /32-/64.
    const r = rnd() % 10;
    const len = afi === Afi.IPV6 ? (r < 6 ? 48 : 32 + (rnd() % 33)) : r < 6 ? 24 : 16 + (rnd() % 8);
    lengths[i] = len;
    for (let k = 0; k < wpp; k++) {
      const bits = len - 32 * k;
      const mask = bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (-1 << (32 - bits)) >>> 0;
      words[i * wpp + k] = (rnd() & mask) >>> 0;
    }
  }
  return { afi, count, words, lengths, pathIds: null };
}

function withIds(list: PrefixList): PrefixList {
  return { ...list, pathIds: Uint32Array.from({ length: list.count }, (_, i) => i + 1) };
}

const v6NextHop = Uint8Array.from(Buffer.from('20010db8000000000000000000000001', 'hex'));
const v6LinkLocal = Uint8Array.from(Buffer.from('fe800000000000000000000000000001', 'hex'));
const EMPTY: PrefixList = {
  afi: 2,
  count: 0,
  words: new Uint32Array(0),
  lengths: new Uint8Array(0),
  pathIds: null,
};

function attrSet(pathLength: number, communities: number, afi: number): PathAttributes {
  const asns = Array.from({ length: pathLength }, (_, i) => 64512 + i * 7);
  const a: PathAttributes = {
    origin: 0,
    asPath: [{ type: 2, asns }],
    med: 10,
    communities: Array.from({ length: communities }, (_, i) => ((65000 << 16) | (i + 1)) >>> 0),
  };
  if (communities > 0) a.largeCommunities = [65000, 1, 2];
  if (afi === Afi.IPV4) a.nextHop = 0xc0000201;
  else a.mpReach = { afi: 2, safi: 1, nextHop: v6NextHop, linkLocal: v6LinkLocal, nlri: EMPTY };
  return a;
}

interface Row {
  readonly name: string;
  readonly op: string;
  readonly prefixesPerSec: number;
  readonly messagesPerSec: number;
  readonly bytesPerSec: number;
}

/** Runs fn (which handles `perCall` prefixes, `msgs` messages and `bytes` bytes) for MS milliseconds. */
function measure(fn: () => void, prefixesPerCall: number, messagesPerCall: number, bytesPerCall: number) {
  for (let i = 0; i < 200; i++) fn(); // warm-up for the JIT
  let calls = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(MS) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  return {
    prefixesPerSec: (calls * prefixesPerCall) / seconds,
    messagesPerSec: (calls * messagesPerCall) / seconds,
    bytesPerSec: (calls * bytesPerCall) / seconds,
  };
}

const rows: Row[] = [];
let sink = 0;

function runCase(
  afi: number,
  perMessage: number,
  addPath: boolean,
  pathLength: number,
  communities: number,
): void {
  const key = afi === Afi.IPV6 ? IPV6_UNICAST : IPV4_UNICAST;
  const ctx: CodecContext = {
    ...DEFAULT_CONTEXT,
    extendedMessage: perMessage > 100,
    addPathReceive: addPath ? new Set([key]) : new Set(),
    addPathSend: addPath ? new Set([key]) : new Set(),
  };
  const attrs = attrSet(pathLength, communities, afi);
  // 64 distinct messages of `perMessage` prefixes each, decoded round-robin.
  const bodies: Buffer[] = [];
  const lists: PrefixList[] = [];
  for (let s = 0; s < 64; s++) {
    let list = prefixes(afi, perMessage, s + 1);
    if (addPath) list = withIds(list);
    lists.push(list);
    const msgs = packAnnouncements(attrs, list, ctx);
    if (msgs.length !== 1) throw new Error(`case does not fit one message (${msgs.length})`);
    bodies.push(Buffer.from(msgs[0]!.subarray(19)));
  }
  const avgBytes = bodies.reduce((n, b) => n + b.length + 19, 0) / bodies.length;
  const name = `${afi === Afi.IPV6 ? 'ipv6' : 'ipv4'} ${String(perMessage).padStart(4)}/msg${addPath ? ' addpath' : '        '} path=${String(pathLength).padStart(2)} comm=${String(communities).padStart(2)}`;

  let i = 0;
  const dec = measure(
    () => {
      const m = decodeUpdate(bodies[i++ & 63]!, ctx);
      sink += afi === Afi.IPV6 ? m.attrs.mpReach!.nlri.count : m.nlri.count;
    },
    perMessage,
    1,
    avgBytes,
  );
  rows.push({ name, op: 'decode', ...dec });
  let j = 0;
  const enc = measure(
    () => {
      sink += packAnnouncements(attrs, lists[j++ & 63]!, ctx).length;
    },
    perMessage,
    1,
    avgBytes,
  );
  rows.push({ name, op: 'encode', ...enc });
}

const fmt = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);

for (const afi of [Afi.IPV4, Afi.IPV6]) {
  for (const perMessage of [1, 10, 100, 1000]) {
    for (const addPath of [false, true]) runCase(afi, perMessage, addPath, 5, 3);
  }
  runCase(afi, 100, false, 1, 0);
  runCase(afi, 100, false, 20, 20);
}

console.log(`UPDATE codec throughput, one core, Node ${process.version}, ${MS} ms per case`);
console.log(
  `${'case'.padEnd(44)} ${'op'.padEnd(7)} ${'prefixes/s'.padStart(11)} ${'messages/s'.padStart(11)} ${'bytes/s'.padStart(9)}`,
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(44)} ${r.op.padEnd(7)} ${fmt(r.prefixesPerSec).padStart(11)} ${fmt(r.messagesPerSec).padStart(11)} ${fmt(r.bytesPerSec).padStart(9)}`,
  );
}
if (sink < 0) console.log(sink);
