// Attribute interning: one frozen RibAttrs per distinct attribute set, shared by every path that
// carries it, with a reference count so unused sets are freed. The NLRI parts (MP_REACH_NLRI,
// MP_UNREACH_NLRI) and the per-display AS4_* copies are not part of a set; the next hop is, as
// bytes (4 or 16, plus an optional IPv6 link-local), whichever attribute carried it.
//
// Hashing is one pass of integer mixing over the fields (no strings); equality is a field-by-field
// compare of the sets with the same hash in a typed-array index. Sets are numbered densely from 1 (0 means "none") so other
// tables store a set as a Uint32 column.
//
// In: PathAttributes + next hop bytes. Out: RibAttrs (frozen), ids, reference counts.
import type { AsPathSegment, PathAttributes, RawAttribute } from '../bgp/wire/types.ts';
import { asPathLength, neighborAs, originAs } from './as-path.ts';

export interface RibAttrs {
  readonly id: number;
  /** hashAttrs() cut to 30 bits. */
  readonly hash: number;
  /** The attributes without mpReach, mpUnreach, nextHop, as4Path, as4Aggregator. Frozen. */
  readonly attrs: Readonly<PathAttributes>;
  /**
   * Next hop as bytes: 4 (IPv4) or 16 (IPv6 global). Empty for a locally originated route. Shared
   * by every set with this next hop: never write to it.
   */
  readonly nextHop: Uint8Array;
  readonly linkLocal: Uint8Array | null;
  /** Derived once for the decision process. */
  readonly asPathLength: number;
  readonly neighborAs: number;
  readonly originAs: number;
}

const EMPTY = new Uint8Array(0);

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x01000193);
  return h ^ (h >>> 15);
}

function mixList(h: number, list: readonly number[] | undefined): number {
  if (list === undefined) return mix(h, 0x5bd1e995);
  h = mix(h, list.length);
  for (const v of list) h = mix(h, v);
  return h;
}

function mixBytes(h: number, b: Uint8Array | null | undefined): number {
  if (b == null) return mix(h, 0x27d4eb2d);
  h = mix(h, b.length);
  for (let i = 0; i < b.length; i++) h = mix(h, b[i]);
  return h;
}

export function hashAttrs(a: PathAttributes, nextHop: Uint8Array, linkLocal: Uint8Array | null): number {
  let h = 0x811c9dc5;
  h = mix(h, a.origin ?? -1);
  if (a.asPath !== undefined) for (const s of a.asPath) h = mixList(mix(h, s.type), s.asns);
  else h = mix(h, -2);
  h = mix(h, a.med ?? -1);
  h = mix(h, a.localPref ?? -1);
  h = mix(h, a.atomicAggregate === true ? 1 : 0);
  h = a.aggregator ? mix(mix(h, a.aggregator.asn), a.aggregator.address) : mix(h, -3);
  h = mixList(h, a.communities);
  h = mix(h, a.originatorId ?? -1);
  h = mixList(h, a.clusterList);
  if (a.extCommunities !== undefined) for (const c of a.extCommunities) h = mixBytes(h, c);
  h = mixList(h, a.largeCommunities);
  h = mix(h, a.otc ?? -1);
  if (a.unknown !== undefined) for (const u of a.unknown) h = mixBytes(mix(h, u.typeCode), u.value);
  h = mixBytes(mixBytes(h, nextHop), linkLocal);
  return h >>> 0;
}

function listEq(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bytesEq(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  if (a == null || b == null) return a == b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function segsEq(a: readonly AsPathSegment[] | undefined, b: readonly AsPathSegment[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i].type !== b[i].type || !listEq(a[i].asns, b[i].asns)) return false;
  return true;
}

function rawListEq(a: readonly RawAttribute[] | undefined, b: readonly RawAttribute[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].typeCode !== b[i].typeCode || a[i].flags !== b[i].flags || !bytesEq(a[i].value, b[i].value))
      return false;
  }
  return true;
}

function sameAttrs(
  x: RibAttrs,
  a: PathAttributes,
  nextHop: Uint8Array,
  linkLocal: Uint8Array | null,
): boolean {
  const b = x.attrs;
  return (
    b.origin === a.origin &&
    b.med === a.med &&
    b.localPref === a.localPref &&
    (b.atomicAggregate === true) === (a.atomicAggregate === true) &&
    b.originatorId === a.originatorId &&
    b.otc === a.otc &&
    b.aggregator?.asn === a.aggregator?.asn &&
    b.aggregator?.address === a.aggregator?.address &&
    bytesEq(x.nextHop, nextHop) &&
    bytesEq(x.linkLocal, linkLocal) &&
    segsEq(b.asPath, a.asPath) &&
    listEq(b.communities, a.communities) &&
    listEq(b.clusterList, a.clusterList) &&
    listEq(b.largeCommunities, a.largeCommunities) &&
    (b.extCommunities === undefined || a.extCommunities === undefined
      ? b.extCommunities === a.extCommunities
      : b.extCommunities.length === a.extCommunities.length &&
        b.extCommunities.every((c, i) => bytesEq(c, a.extCommunities![i]))) &&
    rawListEq(b.unknown, a.unknown)
  );
}

/** A frozen copy holding only the attributes that identify a set. */
function freezeCopy(a: PathAttributes): Readonly<PathAttributes> {
  const c: PathAttributes = {};
  if (a.origin !== undefined) c.origin = a.origin;
  if (a.asPath !== undefined)
    c.asPath = Object.freeze(
      a.asPath.map((s) => Object.freeze({ type: s.type, asns: Object.freeze([...s.asns]) })),
    );
  if (a.med !== undefined) c.med = a.med;
  if (a.localPref !== undefined) c.localPref = a.localPref;
  if (a.atomicAggregate === true) c.atomicAggregate = true;
  if (a.aggregator !== undefined) c.aggregator = Object.freeze({ ...a.aggregator });
  if (a.communities !== undefined) c.communities = Object.freeze([...a.communities]);
  if (a.originatorId !== undefined) c.originatorId = a.originatorId;
  if (a.clusterList !== undefined) c.clusterList = Object.freeze([...a.clusterList]);
  if (a.extCommunities !== undefined)
    c.extCommunities = Object.freeze(a.extCommunities.map((e) => e.slice()));
  if (a.largeCommunities !== undefined) c.largeCommunities = Object.freeze([...a.largeCommunities]);
  if (a.otc !== undefined) c.otc = a.otc;
  if (a.unknown !== undefined)
    c.unknown = Object.freeze(a.unknown.map((u) => Object.freeze({ ...u, value: u.value.slice() })));
  return Object.freeze(c);
}

export class AttrInterner {
  /**
   * Open-addressing index (linear probing, backward-shift deletion) of set ids by hash; 0 is
   * empty. Typed arrays instead of a Map of bucket arrays: a full table holds ~100k sets, and a
   * Map entry, its boxed hash key and a bucket array per set were hundreds of thousands of heap
   * objects that every major GC had to mark.
   */
  private index = new Int32Array(1024);
  private indexMask = 1023;
  private readonly byId: (RibAttrs | undefined)[] = [undefined];
  private refs = new Int32Array(1024);
  private readonly freeIds: number[] = [];
  /** One shared copy per distinct next hop (they are few), so a set does not carry its own. */
  private readonly nextHops = new Map<string, Uint8Array>();
  private live = 0;

  /** Number of distinct sets held. */
  get size(): number {
    return this.live;
  }

  /** One past the largest id handed out; per-set columns elsewhere must be at least this long. */
  get idLimit(): number {
    return this.byId.length;
  }

  /** The shared set equal to these attributes, creating it (with zero references) if new. */
  intern(a: PathAttributes, nextHop: Uint8Array = EMPTY, linkLocal: Uint8Array | null = null): RibAttrs {
    // Kept below 2^30 so it is a small integer, not a boxed number, in every object holding it.
    const hash = hashAttrs(a, nextHop, linkLocal) & 0x3fffffff;
    let b = hash & this.indexMask;
    for (; ; b = (b + 1) & this.indexMask) {
      const id = this.index[b];
      if (id === 0) break;
      const x = this.byId[id]!;
      if (x.hash === hash && sameAttrs(x, a, nextHop, linkLocal)) return x;
    }
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.byId.length;
    const attrs = freezeCopy(a);
    const set: RibAttrs = Object.freeze({
      id,
      hash,
      attrs,
      nextHop: this.sharedBytes(nextHop),
      linkLocal: linkLocal === null ? null : this.sharedBytes(linkLocal),
      asPathLength: asPathLength(attrs.asPath),
      neighborAs: neighborAs(attrs.asPath),
      originAs: originAs(attrs.asPath),
    });
    if (id === this.byId.length) this.byId.push(set);
    else this.byId[id] = set;
    if (id >= this.refs.length) {
      const r = new Int32Array(this.refs.length * 2);
      r.set(this.refs);
      this.refs = r;
    }
    this.refs[id] = 0;
    this.index[b] = id;
    this.live++;
    if (this.live * 2 > this.index.length) this.resizeIndex(this.index.length * 2);
    return set;
  }

  get(id: number): RibAttrs {
    const s = this.byId[id];
    if (s === undefined) throw new Error(`attribute set ${id} is not interned`);
    return s;
  }

  refCount(id: number): number {
    return this.byId[id] === undefined ? 0 : this.refs[id];
  }

  ref(id: number): void {
    this.refs[id]++;
  }

  /** Drop one reference; at zero the set is freed and its id may be reused. */
  unref(id: number): void {
    if (--this.refs[id] <= 0) this.free(id);
  }

  /** Free a set nobody references (e.g. interned, then every prefix was filtered). */
  releaseIfUnused(id: number): void {
    if (this.byId[id] !== undefined && this.refs[id] <= 0) this.free(id);
  }

  /** Every live set (for next-hop re-evaluation and display). */
  *sets(): IterableIterator<RibAttrs> {
    for (const s of this.byId) if (s !== undefined) yield s;
  }

  /** The shared copy of these bytes (next hops repeat across thousands of sets). */
  private sharedBytes(bytes: Uint8Array): Uint8Array {
    if (bytes.length === 0) return EMPTY;
    const key = bytes.join('.');
    let b = this.nextHops.get(key);
    if (b === undefined) {
      // Bounded: a next hop that is no longer used stays, and distinct next hops are few.
      b = bytes.slice();
      this.nextHops.set(key, b);
    }
    return b;
  }

  private free(id: number): void {
    const set = this.byId[id];
    if (set === undefined) return;
    const mask = this.indexMask;
    let b = set.hash & mask;
    while (this.index[b] !== id) b = (b + 1) & mask;
    // Backward-shift deletion: move later entries of the probe run into the hole when allowed.
    let hole = b;
    for (let j = (hole + 1) & mask; this.index[j] !== 0; j = (j + 1) & mask) {
      const home = this.byId[this.index[j]]!.hash & mask;
      if (((hole - home) & mask) <= ((j - home) & mask)) {
        this.index[hole] = this.index[j];
        hole = j;
      }
    }
    this.index[hole] = 0;
    this.byId[id] = undefined;
    this.refs[id] = 0;
    this.freeIds.push(id);
    this.live--;
  }

  private resizeIndex(size: number): void {
    const index = new Int32Array(size);
    const mask = size - 1;
    for (let id = 1; id < this.byId.length; id++) {
      const s = this.byId[id];
      if (s === undefined) continue;
      let b = s.hash & mask;
      while (index[b] !== 0) b = (b + 1) & mask;
      index[b] = id;
    }
    this.index = index;
    this.indexMask = mask;
  }
}
