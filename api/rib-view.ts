// Route records for the API read from a real Rib: the Loc-RIB (every accepted path, best and
// multipath marked), a peer's Adj-RIB-In (pre-policy where kept, rejected paths included) and a
// peer's Adj-RIB-Out (what its update group advertises). The daemon core's DaemonApi.listRoutes
// can return ribRoutes(...) as it is; it reads only the RIB's public read access.
//
// In: Rib, AdjRibOut, a RouteQuery whose prefix/peer/family already parsed. Out: RouteRecords,
// sorted by prefix, lazily (a generator), so the server can stream a big table.
import type { FamilyName, RouteQuery, RouteRecord } from './daemon-api.ts';
import type { Rib } from '../rib/rib.ts';
import type { LocRib } from '../rib/loc-rib.ts';
import type { AdjRibOut } from '../rib/adj-rib-out.ts';
import type { RibAttrs } from '../rib/attr-intern.ts';
import type { RibPeer } from '../rib/peer.ts';
import type { Prefix } from '../rib/prefix.ts';
import { ApiError } from './daemon-api.ts';
import { asPathText } from '../rib/as-path.ts';
import { ineligibleReasons, PathFlag } from '../rib/decision/eligibility.ts';
import {
  formatAddressBytes,
  formatIpv4,
  formatPrefix,
  parsePrefix,
  prefixContains,
  wordMask,
} from '../rib/prefix.ts';
import { Afi } from '../bgp/wire/iana/afi-safi.ts';
import { WellKnownCommunity } from '../bgp/wire/iana/attribute-types.ts';

const NONE = -1;
const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'];

const WELL_KNOWN_NAMES = new Map<number, string>(
  Object.entries(WellKnownCommunity).map(([name, value]) => [value, name]),
);

/** RFC 1997 community text: a well-known name, or "AS:value" (high and low 16 bits). */
export function communityText(c: number): string {
  return WELL_KNOWN_NAMES.get(c) ?? `${c >>> 16}:${c & 0xffff}`;
}

/** RFC 8092 large communities (flat triples) as "global:local1:local2". */
export function largeCommunityTexts(flat: readonly number[] | undefined): string[] {
  const out: string[] = [];
  if (flat === undefined) return out;
  for (let i = 0; i + 2 < flat.length; i += 3) out.push(`${flat[i]}:${flat[i + 1]}:${flat[i + 2]}`);
  return out;
}

export function familyOf(afi: number): FamilyName {
  return afi === Afi.IPV6 ? 'ipv6' : 'ipv4';
}

export interface RibViewSources {
  readonly rib: Rib;
  /** Needed for table 'out'. */
  readonly adjRibOut?: AdjRibOut;
  /** The registered RibPeer of a peer address, or undefined when it has none. */
  peerByAddress(address: string): RibPeer | undefined;
  /** When the path in `row` of `afi` last changed, if the core records it. */
  since?(afi: number, row: number): number | null;
}

/** Route records answering `q`; throws ApiError for an unknown peer or a bad prefix. */
export function* ribRoutes(src: RibViewSources, q: RouteQuery): Generator<RouteRecord> {
  let peer: RibPeer | undefined;
  if (q.peer !== undefined) {
    peer = src.peerByAddress(q.peer);
    if (peer === undefined) throw new ApiError('not-found', `no such peer: ${q.peer}`);
  } else if (q.table !== 'loc') {
    throw new ApiError('invalid-argument', `table "${q.table}" needs a peer`);
  }
  let want: Prefix | null = null;
  if (q.prefix !== undefined) {
    try {
      want = parsePrefix(q.prefix);
    } catch (e) {
      throw new ApiError('invalid-argument', `bad prefix "${q.prefix}": ${(e as Error).message}`);
    }
  }
  const afis =
    want !== null
      ? [want.afi]
      : q.family === 'ipv6'
        ? [Afi.IPV6]
        : q.family === 'ipv4'
          ? [Afi.IPV4]
          : [Afi.IPV4, Afi.IPV6];
  for (const afi of afis) {
    const loc = src.rib.locRib(afi);
    for (const slot of selectSlots(loc, want, q)) {
      if (q.table === 'out') yield* outRecords(src, loc, slot, peer!);
      else yield* inRecords(src, loc, slot, q.table === 'in', peer);
    }
  }
}

/** The prefix slots a query selects, sorted by address then length. */
function selectSlots(loc: LocRib, want: Prefix | null, q: RouteQuery): number[] {
  const t = loc.prefixes;
  if (want !== null && !q.longer) {
    const hasLength = q.prefix!.includes('/');
    if (hasLength) {
      const s = loc.findSlot(want);
      return s === NONE ? [] : [s];
    }
    // An address alone: the longest prefix that covers it.
    for (let len = want.length; len >= 0; len--) {
      const words = want.words.map((w, i) => (w & wordMask(len - 32 * i)) >>> 0);
      const s = loc.findSlot({ afi: want.afi, words, length: len });
      if (s !== NONE) return [s];
    }
    return [];
  }
  const slots: number[] = [];
  for (let s = 0; s < t.slotLimit; s++) {
    if (!t.has(s)) continue;
    if (want !== null && !prefixContains(want, t.prefixOf(s))) continue;
    slots.push(s);
  }
  const n = loc.afi === Afi.IPV6 ? 4 : 1;
  slots.sort((a, b) => {
    for (let i = 0; i < n; i++) {
      const d = t.wordOf(a, i) - t.wordOf(b, i);
      if (d !== 0) return d;
    }
    return t.lengthOf(a) - t.lengthOf(b);
  });
  return slots;
}

function record(
  loc: LocRib,
  slot: number,
  peer: RibPeer,
  pathId: number,
  at: RibAttrs,
  marks: Pick<RouteRecord, 'best' | 'multipath' | 'ineligible' | 'stale' | 'since'>,
): RouteRecord {
  const a = at.attrs;
  return {
    prefix: formatPrefix(loc.prefixOf(slot)),
    family: familyOf(loc.afi),
    peer: peer.local ? 'local' : formatAddressBytes(peer.address),
    peerAs: peer.asn,
    pathId,
    nextHop: at.nextHop.length === 0 ? 'self' : formatAddressBytes(at.nextHop),
    asPath: asPathText(a.asPath),
    origin: a.origin === undefined ? '' : (ORIGIN_NAMES[a.origin] ?? String(a.origin)),
    localPref: a.localPref ?? null,
    med: a.med ?? null,
    communities: (a.communities ?? []).map(communityText),
    largeCommunities: largeCommunityTexts(a.largeCommunities),
    originatorId: a.originatorId === undefined ? null : formatIpv4(a.originatorId),
    clusterList: (a.clusterList ?? []).map(formatIpv4),
    ...marks,
  };
}

/** Loc-RIB paths (adjIn false) or one peer's Adj-RIB-In (adjIn true) for one prefix slot. */
function* inRecords(
  src: RibViewSources,
  loc: LocRib,
  slot: number,
  adjIn: boolean,
  peer: RibPeer | undefined,
): Generator<RouteRecord> {
  const a = loc.adjIn;
  const bestRow = loc.bestRow(slot);
  const multi = new Set(loc.multipathRows(slot));
  const rows: number[] = [];
  for (let r = a.head(slot); r !== NONE; r = a.nextOf(r)) {
    if (peer !== undefined && a.peerIndexOf(r) !== peer.index) continue;
    // The Loc-RIB holds what import policy accepted; the Adj-RIB-In view shows rejected paths too.
    if (!adjIn && a.attrOf(r) === 0) continue;
    rows.push(r);
  }
  // Best first, then multipath, then by peer index: stable output for the same table.
  rows.sort(
    (x, y) =>
      Number(y === bestRow) - Number(x === bestRow) ||
      Number(multi.has(y)) - Number(multi.has(x)) ||
      a.peerIndexOf(x) - a.peerIndexOf(y) ||
      a.pathIdOf(x) - a.pathIdOf(y),
  );
  for (const r of rows) {
    const p = loc.peerOf(r);
    const at = adjIn && a.preOf(r) !== 0 ? src.rib.interner.get(a.preOf(r)) : loc.attrsOf(r);
    const reachable = a.attrOf(r) === 0 || src.rib.tracker.reachable(at);
    yield record(loc, slot, p, a.pathIdOf(r), at, {
      best: r === bestRow,
      multipath: r !== bestRow && multi.has(r),
      ineligible: ineligibleReasons(a.flagsOf(r) & ~PathFlag.STALE, reachable),
      stale: a.isStale(r),
      since: src.since?.(loc.afi, r) ?? null,
    });
  }
}

/** What `peer`'s update group advertises for one prefix slot (nothing when not advertised). */
function* outRecords(src: RibViewSources, loc: LocRib, slot: number, peer: RibPeer): Generator<RouteRecord> {
  const out = src.adjRibOut;
  if (out === undefined) throw new ApiError('failed-precondition', 'no Adj-RIB-Out in this daemon');
  const group = out.groupOf(peer.index);
  if (group === null) return;
  const id = out.advertised(group, loc.afi, slot);
  if (id === 0) return;
  yield record(loc, slot, peer, 0, out.interner.get(id), {
    best: true,
    multipath: false,
    ineligible: [],
    stale: false,
    since: null,
  });
}
