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
// In: address words + length (as in PrefixList). Out: slot numbers; Prefix values on request.
import type { Prefix } from './prefix.ts';
import { wordsPerAddress } from './prefix.ts';

const FREE = 255;

export class PrefixTable {
  readonly afi: number;
  private readonly stride: number;
  private words: Uint32Array;
  private lengths: Uint8Array;
  /** Hash buckets holding slot + 1; 0 is empty. Size is a power of two, kept under half full. */
  private buckets: Int32Array;
  private mask: number;
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
    return this.words.byteLength + this.lengths.byteLength + this.buckets.byteLength;
  }

  private hash(w: ArrayLike<number>, off: number, len: number): number {
    let h = Math.imul(len + 1, 0x9e3779b1);
    for (let i = 0; i < this.stride; i++) {
      h = Math.imul(h ^ w[off + i], 0x85ebca6b);
      h ^= h >>> 15;
    }
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  private sameAt(slot: number, w: ArrayLike<number>, off: number, len: number): boolean {
    if (this.lengths[slot] !== len) return false;
    const base = slot * this.stride;
    for (let i = 0; i < this.stride; i++) if (this.words[base + i] !== w[off + i]) return false;
    return true;
  }

  /** The slot of a prefix, or -1. */
  find(w: ArrayLike<number>, off: number, len: number): number {
    for (let b = this.hash(w, off, len); ; b = (b + 1) & this.mask) {
      const s = this.buckets[b];
      if (s === 0) return -1;
      if (this.sameAt(s - 1, w, off, len)) return s - 1;
    }
  }

  /** The slot of a prefix, adding it when absent. */
  insert(w: ArrayLike<number>, off: number, len: number): number {
    let b = this.hash(w, off, len);
    for (; ; b = (b + 1) & this.mask) {
      const s = this.buckets[b];
      if (s === 0) break;
      if (this.sameAt(s - 1, w, off, len)) return s - 1;
    }
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.highWater++;
    if (slot >= this.lengths.length) this.growSlots();
    const base = slot * this.stride;
    for (let i = 0; i < this.stride; i++) this.words[base + i] = w[off + i];
    this.lengths[slot] = len;
    this.buckets[b] = slot + 1;
    this.count++;
    if (this.count * 2 > this.buckets.length) this.rehash(this.buckets.length * 2);
    return slot;
  }

  /** Remove the prefix in `slot`; the slot number may be handed out again. */
  remove(slot: number): void {
    if (this.lengths[slot] === FREE) return;
    let b = this.hash(this.words, slot * this.stride, this.lengths[slot]);
    while (this.buckets[b] !== slot + 1) b = (b + 1) & this.mask;
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    let hole = b;
    for (let j = (hole + 1) & this.mask; this.buckets[j] !== 0; j = (j + 1) & this.mask) {
      const s = this.buckets[j] - 1;
      const home = this.hash(this.words, s * this.stride, this.lengths[s]);
      const distJ = (j - home) & this.mask;
      const distHole = (hole - home) & this.mask;
      if (distHole <= distJ) {
        this.buckets[hole] = this.buckets[j];
        hole = j;
      }
    }
    this.buckets[hole] = 0;
    this.lengths[slot] = FREE;
    this.freeSlots.push(slot);
    this.count--;
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

  private rehash(size: number): void {
    this.buckets = new Int32Array(size);
    this.mask = size - 1;
    for (let s = 0; s < this.highWater; s++) {
      if (this.lengths[s] === FREE) continue;
      let b = this.hash(this.words, s * this.stride, this.lengths[s]);
      while (this.buckets[b] !== 0) b = (b + 1) & this.mask;
      this.buckets[b] = s + 1;
    }
  }
}
