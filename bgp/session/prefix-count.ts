// Exact count of the prefixes a peer currently announces, per family, for max-prefix (RFC 4486
// Cease/1) and the counters. In: each UPDATE's announced and withdrawn PrefixLists. Out: the
// count per family key. A re-announcement of a prefix is an implicit withdraw (RFC 4271 §3.1) and
// does not count twice, so the set of prefixes (with ADD-PATH path ids) is kept.
//
// IPv4 without ADD-PATH (the full-table case) is held in V4PrefixSet, an open-addressing table of
// numeric keys (address * 64 + length + 1) in one Float64Array: no boxed number per prefix, and no
// JS Set, whose keys above the small-integer range are heap numbers (a profile of a 500k-prefix
// feed and withdraw showed 441 ms in the Set version). Other prefixes use a short string key.
import type { PrefixList, UpdateMessage } from '../wire/types.ts';
import { Afi, familyKey, Safi } from '../wire/iana/afi-safi.ts';

const EMPTY = 0;
/** A bucket of the old table whose key was removed or moved to the new table. */
const MOVED = -1;
/** Old buckets moved into the new table per insert/remove while a growth is under way. */
const MIGRATE_STEP = 16;

function hashV4(addr: number, len: number): number {
  let h = Math.imul(addr ^ Math.imul(len + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The hash of a stored bucket value (key + 1). */
function hashOfValue(v: number): number {
  const k = v - 1;
  const addr = Math.floor(k / 64);
  return hashV4(addr, k - addr * 64);
}

/**
 * A set of IPv4 prefixes (address word + length), linear probing kept under half full. Growth
 * never rehashes everything at once (a 1M-entry rehash would hold the event loop): the old table
 * is kept, read-only apart from MOVED marks, and every later insert or remove moves the next
 * MIGRATE_STEP old buckets into the new one; lookups try the new table, then the old one.
 */
export class V4PrefixSet {
  private buckets = new Float64Array(64);
  private mask = 63;
  private old: Float64Array | null = null;
  private oldMask = 0;
  private migrateNext = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Bytes held by the bucket arrays. */
  get byteLength(): number {
    return this.buckets.byteLength + (this.old === null ? 0 : this.old.byteLength);
  }

  has(addr: number, len: number): boolean {
    const v = addr * 64 + len + 1;
    const h = hashV4(addr, len);
    return this.findNew(h, v) >= 0 || (this.old !== null && this.findOld(h, v) >= 0);
  }

  /** Adds the prefix; returns false when it was already present. */
  add(addr: number, len: number): boolean {
    const v = addr * 64 + len + 1;
    const h = hashV4(addr, len);
    const b = this.findNew(h, v);
    if (b >= 0) return false;
    if (this.old !== null && this.findOld(h, v) >= 0) return false;
    this.buckets[~b] = v;
    this.count++;
    if (this.old !== null) this.migrate(MIGRATE_STEP);
    if (this.count * 2 > this.buckets.length) this.startGrowth();
    return true;
  }

  /** Removes the prefix; returns false when it was absent. */
  delete(addr: number, len: number): boolean {
    const v = addr * 64 + len + 1;
    const h = hashV4(addr, len);
    const b = this.findNew(h, v);
    if (b >= 0) {
      this.removeBucket(b);
    } else {
      const o = this.old === null ? -1 : this.findOld(h, v);
      if (o < 0) return false;
      // The old table only shrinks; a mark keeps its probe chains unbroken.
      this.old![o] = MOVED;
    }
    this.count--;
    if (this.old !== null) this.migrate(MIGRATE_STEP);
    return true;
  }

  clear(): void {
    this.buckets = new Float64Array(64);
    this.mask = 63;
    this.old = null;
    this.count = 0;
  }

  /** The bucket holding `v`, or ~(the empty bucket where it would go). */
  private findNew(h: number, v: number): number {
    const t = this.buckets;
    const mask = this.mask;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const x = t[b];
      if (x === v) return b;
      if (x === EMPTY) return ~b;
    }
  }

  private findOld(h: number, v: number): number {
    const t = this.old!;
    const mask = this.oldMask;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const x = t[b];
      if (x === v) return b;
      if (x === EMPTY) return -1;
    }
  }

  /** Backward-shift deletion in the new table: probe chains stay unbroken without marks. */
  private removeBucket(b: number): void {
    const t = this.buckets;
    const mask = this.mask;
    let hole = b;
    for (let j = (hole + 1) & mask; t[j] !== EMPTY; j = (j + 1) & mask) {
      const home = hashOfValue(t[j]) & mask;
      if (((hole - home) & mask) <= ((j - home) & mask)) {
        t[hole] = t[j];
        hole = j;
      }
    }
    t[hole] = EMPTY;
  }

  private startGrowth(): void {
    if (this.old !== null) this.migrate(Number.MAX_SAFE_INTEGER);
    this.old = this.buckets;
    this.oldMask = this.mask;
    this.buckets = new Float64Array(this.old.length * 2);
    this.mask = this.buckets.length - 1;
    this.migrateNext = 0;
  }

  private migrate(n: number): void {
    const old = this.old!;
    const t = this.buckets;
    const mask = this.mask;
    const end = Math.min(old.length, this.migrateNext + n);
    for (let i = this.migrateNext; i < end; i++) {
      const v = old[i];
      if (v <= 0) continue;
      let b = hashOfValue(v) & mask;
      while (t[b] !== EMPTY) b = (b + 1) & mask;
      t[b] = v;
      old[i] = MOVED;
    }
    this.migrateNext = end;
    if (end === old.length) this.old = null;
  }
}

class FamilyPrefixes {
  readonly v4 = new V4PrefixSet();
  readonly strings = new Set<string>();

  get size(): number {
    return this.v4.size + this.strings.size;
  }

  apply(list: PrefixList, add: boolean): void {
    if (list.afi === Afi.IPV4 && list.pathIds === null) {
      const { words, lengths } = list;
      for (let i = 0; i < list.count; i++) {
        if (add) this.v4.add(words[i]!, lengths[i]!);
        else this.v4.delete(words[i]!, lengths[i]!);
      }
      return;
    }
    for (let i = 0; i < list.count; i++) {
      let key: string;
      if (list.afi === Afi.IPV4) {
        key = `${list.words[i]}/${list.lengths[i]}`;
      } else {
        const w = list.words;
        key = `${w[4 * i]}.${w[4 * i + 1]}.${w[4 * i + 2]}.${w[4 * i + 3]}/${list.lengths[i]}`;
      }
      if (list.pathIds !== null) key += `#${list.pathIds[i]}`;
      if (add) this.strings.add(key);
      else this.strings.delete(key);
    }
  }
}

export class PrefixCount {
  private readonly families = new Map<number, FamilyPrefixes>();

  private of(afi: number, safi: number): FamilyPrefixes {
    const key = familyKey(afi, safi);
    let f = this.families.get(key);
    if (f === undefined) {
      f = new FamilyPrefixes();
      this.families.set(key, f);
    }
    return f;
  }

  /** Applies an UPDATE; returns the family keys whose count grew. */
  apply(msg: UpdateMessage): number[] {
    const grew: number[] = [];
    const v4 = this.of(Afi.IPV4, Safi.UNICAST);
    v4.apply(msg.withdrawn, false);
    const mpUnreach = msg.attrs.mpUnreach;
    if (mpUnreach !== undefined) this.of(mpUnreach.afi, mpUnreach.safi).apply(mpUnreach.withdrawn, false);
    // RFC 7606 treat-as-withdraw: the announced prefixes are handled as withdrawn.
    const add = msg.treatAsWithdraw !== true;
    if (msg.nlri.count > 0) {
      const before = v4.size;
      v4.apply(msg.nlri, add);
      if (v4.size > before) grew.push(familyKey(Afi.IPV4, Safi.UNICAST));
    }
    const mpReach = msg.attrs.mpReach;
    if (mpReach !== undefined && mpReach.nlri.count > 0) {
      const f = this.of(mpReach.afi, mpReach.safi);
      const before = f.size;
      f.apply(mpReach.nlri, add);
      if (f.size > before) grew.push(familyKey(mpReach.afi, mpReach.safi));
    }
    return grew;
  }

  count(key: number): number {
    return this.families.get(key)?.size ?? 0;
  }

  keys(): number[] {
    return [...this.families.keys()];
  }

  clear(): void {
    this.families.clear();
  }
}
