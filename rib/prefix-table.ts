// PrefixTable: the prefixes of one address family, each given a dense slot number that the RIB's
// per-prefix columns (typed arrays) are indexed by. It is an open-addressing hash table (linear
// probing, backward-shift deletion) over prefixes stored as 32-bit words plus a length, so a
// prefix costs about 13 bytes (IPv4) or 25 bytes (IPv6) here and no JS object or string at all.
//
// Why not a Map keyed by number: IPv4 keys (addr*64+len) are above the small-integer range, so a
// Map boxes every key as a heap number (~40-50 bytes a prefix), and IPv6 has no exact numeric key
// short of a BigInt or a string, both slow to build per prefix. Interning each prefix to a slot
// serves both families with one code path and makes every later column a plain typed array.
//
// Growth never rehashes the whole table at once (a 1M-prefix rehash held the event loop for tens
// of milliseconds). When the bucket array passes half full, a twice-as-large one is made and the
// old one is kept, read-only; every later insert or remove moves the next MIGRATE_STEP slots (in
// slot order) from the old buckets into the new ones. Until the move is done, a slot number below
// the migration cursor lives in the new buckets, one in [cursor, end) only in the old ones, and one
// at or above `end` (added during the move) in the new ones; lookups try new, then old. Slot
// numbers are not reused while a move is under way, so an old bucket never points at a slot that
// now holds another prefix (a removed slot is marked FREE and never matches).
//
// In: address words + length (as in PrefixList). Out: slot numbers; Prefix values on request.
import type { Prefix } from './prefix.ts';
import { wordsPerAddress } from './prefix.ts';

const FREE = 255;
/** Slots moved from the old buckets per insert/remove while a growth is under way. */
const MIGRATE_STEP = 8;

export class PrefixTable {
  readonly afi: number;
  private readonly stride: number;
  private words: Uint32Array;
  private lengths: Uint8Array;
  /** Hash buckets holding slot + 1; 0 is empty. Size is a power of two, kept under half full. */
  private buckets: Int32Array;
  private mask: number;
  /** The buckets before the growth in progress (read-only), or null when none is. */
  private old: Int32Array | null = null;
  private oldMask = 0;
  /** Next slot to move into `buckets`, and the slot limit when the growth began. */
  private migrateNext = 0;
  private migrateEnd = 0;
  private freeSlots: number[] = [];
  private highWater = 0;
  private count = 0;

  constructor(afi: number, initialSlots = 1024) {
    this.afi = afi;
    this.stride = wordsPerAddress(afi);
    this.words = new Uint32Array(initialSlots * this.stride);
    this.lengths = new Uint8Array(initialSlots).fill(FREE);
    let b = 16;
    while (b < initialSlots * 2) b *= 2;
    this.buckets = new Int32Array(b);
    this.mask = b - 1;
  }

  /** Number of prefixes held. */
  get size(): number {
    return this.count;
  }

  /** One past the largest slot ever handed out; per-slot columns must be at least this long. */
  get slotLimit(): number {
    return this.highWater;
  }

  /** Bytes held by this table's arrays (for the benchmark's accounting). */
  get byteLength(): number {
    const old = this.old === null ? 0 : this.old.byteLength;
    return this.words.byteLength + this.lengths.byteLength + this.buckets.byteLength + old;
  }

  /** Whether a growth is still moving slots from the old buckets (for tests and metrics). */
  get growing(): boolean {
    return this.old !== null;
  }

  /** The full 32-bit hash; a table takes its low bits. */
  private hash(w: ArrayLike<number>, off: number, len: number): number {
    let h = Math.imul(len + 1, 0x9e3779b1);
    if (this.stride === 1) {
      // IPv4, unrolled: the same value the loop below gives.
      h = Math.imul(h ^ w[off], 0x85ebca6b);
      h ^= h >>> 15;
      h = Math.imul(h, 0xc2b2ae35);
      return h ^ (h >>> 16);
    }
    for (let i = 0; i < this.stride; i++) {
      h = Math.imul(h ^ w[off + i], 0x85ebca6b);
      h ^= h >>> 15;
    }
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  private sameAt(slot: number, w: ArrayLike<number>, off: number, len: number): boolean {
    if (this.lengths[slot] !== len) return false;
    if (this.stride === 1) return this.words[slot] === w[off];
    const base = slot * this.stride;
    for (let i = 0; i < this.stride; i++) if (this.words[base + i] !== w[off + i]) return false;
    return true;
  }

  /** The slot of a prefix in the old buckets, or -1. */
  private findOld(h: number, w: ArrayLike<number>, off: number, len: number): number {
    const old = this.old!;
    const mask = this.oldMask;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const s = old[b];
      if (s === 0) return -1;
      if (this.sameAt(s - 1, w, off, len)) return s - 1;
    }
  }

  /** The slot of a prefix, or -1. */
  find(w: ArrayLike<number>, off: number, len: number): number {
    const h = this.hash(w, off, len);
    for (let b = h & this.mask; ; b = (b + 1) & this.mask) {
      const s = this.buckets[b];
      if (s === 0) break;
      if (this.sameAt(s - 1, w, off, len)) return s - 1;
    }
    return this.old === null ? -1 : this.findOld(h, w, off, len);
  }

  /** The slot of a prefix, adding it when absent. */
  insert(w: ArrayLike<number>, off: number, len: number): number {
    const h = this.hash(w, off, len);
    let b = h & this.mask;
    for (; ; b = (b + 1) & this.mask) {
      const s = this.buckets[b];
      if (s === 0) break;
      if (this.sameAt(s - 1, w, off, len)) return s - 1;
    }
    if (this.old !== null) {
      const s = this.findOld(h, w, off, len);
      if (s >= 0) return s;
    }
    const reuse = this.old === null && this.freeSlots.length > 0;
    const slot = reuse ? this.freeSlots.pop()! : this.highWater++;
    if (slot >= this.lengths.length) this.growSlots();
    const base = slot * this.stride;
    for (let i = 0; i < this.stride; i++) this.words[base + i] = w[off + i];
    this.lengths[slot] = len;
    this.buckets[b] = slot + 1;
    this.count++;
    if (this.old !== null) this.migrate(MIGRATE_STEP);
    if (this.count * 2 > this.buckets.length) this.startGrowth();
    return slot;
  }

  /** Remove the prefix in `slot`; the slot number may be handed out again. */
  remove(slot: number): void {
    if (slot >= this.highWater || this.lengths[slot] === FREE) return;
    // A slot not yet moved lives only in the old buckets, which stay as they are: FREE hides it.
    const onlyInOld = this.old !== null && slot >= this.migrateNext && slot < this.migrateEnd;
    if (!onlyInOld) this.removeBucket(slot);
    this.lengths[slot] = FREE;
    this.freeSlots.push(slot);
    this.count--;
    if (this.old !== null) this.migrate(MIGRATE_STEP);
  }

  private removeBucket(slot: number): void {
    const mask = this.mask;
    const home = (s: number): number => this.hash(this.words, s * this.stride, this.lengths[s]) & mask;
    let b = home(slot);
    while (this.buckets[b] !== slot + 1) b = (b + 1) & mask;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    let hole = b;
    for (let j = (hole + 1) & mask; this.buckets[j] !== 0; j = (j + 1) & mask) {
      const h = home(this.buckets[j] - 1);
      if (((hole - h) & mask) <= ((j - h) & mask)) {
        this.buckets[hole] = this.buckets[j];
        hole = j;
      }
    }
    this.buckets[hole] = 0;
  }

  has(slot: number): boolean {
    return slot < this.highWater && this.lengths[slot] !== FREE;
  }

  lengthOf(slot: number): number {
    return this.lengths[slot];
  }

  /** Word i (0 for IPv4; 0..3 for IPv6) of the address in `slot`. */
  wordOf(slot: number, i: number): number {
    return this.words[slot * this.stride + i];
  }

  prefixOf(slot: number): Prefix {
    const base = slot * this.stride;
    return {
      afi: this.afi,
      words: Array.from(this.words.subarray(base, base + this.stride)),
      length: this.lengths[slot],
    };
  }

  private growSlots(): void {
    const n = this.lengths.length * 2;
    const words = new Uint32Array(n * this.stride);
    words.set(this.words);
    const lengths = new Uint8Array(n).fill(FREE);
    lengths.set(this.lengths);
    this.words = words;
    this.lengths = lengths;
  }

  /** Begin moving to buckets twice as large (finishing a move still under way first). */
  private startGrowth(): void {
    if (this.old !== null) this.migrate(Number.MAX_SAFE_INTEGER);
    this.old = this.buckets;
    this.oldMask = this.mask;
    this.buckets = new Int32Array(this.old.length * 2);
    this.mask = this.buckets.length - 1;
    this.migrateNext = 0;
    this.migrateEnd = this.highWater;
  }

  /** Move up to `n` slots from the old buckets into the new ones. */
  private migrate(n: number): void {
    const end = Math.min(this.migrateEnd, this.migrateNext + n);
    const mask = this.mask;
    for (let s = this.migrateNext; s < end; s++) {
      if (this.lengths[s] === FREE) continue;
      let b = this.hash(this.words, s * this.stride, this.lengths[s]) & mask;
      while (this.buckets[b] !== 0) b = (b + 1) & mask;
      this.buckets[b] = s + 1;
    }
    this.migrateNext = end;
    if (end === this.migrateEnd) this.old = null;
  }
}
