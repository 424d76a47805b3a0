// The Fib's per-family state in columns: each destination prefix the Fib knows (wanted by the RIB
// or present in the kernel under our protocol) gets a dense slot in a PrefixTable, and the slot
// indexes three typed arrays: the wanted route shape, the kernel's route shape (ids in
// RouteShapes; 0 = none) and whether the slot waits in the dirty queue. A million routes cost
// about 13 bytes of prefix table and 9 bytes of columns each, and no JS object per route.
//
// In: prefixes as words + length. Out: slots; keys, prefixes and KernelRoute values rebuilt from a
// slot on request (for messages and the CLI).
import { PrefixTable } from '../prefix-table.ts';
import { Afi } from '../../bgp/wire/iana/afi-safi.ts';
import type { FibKey } from './route-identity.ts';
import { formatPrefix } from './route-identity.ts';
import { AddressFamily } from './rtnetlink-constants.ts';

export class FibTable {
  /** AF_INET or AF_INET6. */
  readonly family: number;
  /** 0 for IPv4, 1 for IPv6: the low bit of a dirty-queue entry. */
  readonly familyBit: number;
  readonly prefixes: PrefixTable;
  /** Wanted route shape per slot; 0 = the RIB wants nothing here. */
  want = new Int32Array(1024);
  /** Route shape we believe the kernel has per slot (our protocol, table and metric); 0 = none. */
  kernel = new Int32Array(1024);
  /** 1 while the slot sits in the Fib's dirty queue. */
  queued = new Uint8Array(1024);

  constructor(family: number) {
    this.family = family;
    this.familyBit = family === AddressFamily.INET ? 0 : 1;
    this.prefixes = new PrefixTable(family === AddressFamily.INET ? Afi.IPV4 : Afi.IPV6);
  }

  /** The slot of a prefix, added when absent (columns grown to cover it). */
  insert(dst: ArrayLike<number>, dstLength: number): number {
    const slot = this.prefixes.insert(dst, 0, dstLength);
    if (slot >= this.want.length) this.grow(slot);
    return slot;
  }

  /** The slot of a prefix, or -1. */
  find(dst: ArrayLike<number>, dstLength: number): number {
    return this.prefixes.find(dst, 0, dstLength);
  }

  /** Forget the slot once nothing refers to it any more (both views empty, not queued). */
  dropIfUnused(slot: number): void {
    if (this.want[slot] === 0 && this.kernel[slot] === 0 && this.queued[slot] === 0)
      this.prefixes.remove(slot);
  }

  /** One past the largest slot in use; walk [0, slotLimit) with has(). */
  get slotLimit(): number {
    return this.prefixes.slotLimit;
  }

  has(slot: number): boolean {
    return this.prefixes.has(slot);
  }

  dstLength(slot: number): number {
    return this.prefixes.lengthOf(slot);
  }

  /** Copy the slot's destination words into `into` (1 word for IPv4, 4 for IPv6). */
  dstInto(slot: number, into: number[]): void {
    for (let i = 0; i < into.length; i++) into[i] = this.prefixes.wordOf(slot, i);
  }

  dst(slot: number): number[] {
    const out = this.family === AddressFamily.INET ? [0] : [0, 0, 0, 0];
    this.dstInto(slot, out);
    return out;
  }

  /** The FibKey of the slot's prefix, as fibKey() makes it. */
  keyOf(slot: number): FibKey {
    const len = this.prefixes.lengthOf(slot);
    const p = this.prefixes;
    if (this.family === AddressFamily.INET) return p.wordOf(slot, 0) * 64 + len;
    const h = (i: number): string => p.wordOf(slot, i).toString(16);
    return `${h(0)}:${h(1)}:${h(2)}:${h(3)}/${len}`;
  }

  prefixText(slot: number): string {
    return formatPrefix({ family: this.family, dst: this.dst(slot), dstLength: this.dstLength(slot) });
  }

  private grow(slot: number): void {
    let n = this.want.length * 2;
    while (n <= slot) n *= 2;
    const want = new Int32Array(n);
    want.set(this.want);
    this.want = want;
    const kernel = new Int32Array(n);
    kernel.set(this.kernel);
    this.kernel = kernel;
    const queued = new Uint8Array(n);
    queued.set(this.queued);
    this.queued = queued;
  }
}

/** The destination of a FibKey (the inverse of fibKey()), for a withdraw that comes with a key only. */
export function parseFibKey(key: FibKey): { family: number; dst: number[]; dstLength: number } {
  if (typeof key === 'number') {
    const dstLength = key % 64;
    return { family: AddressFamily.INET, dst: [(key - dstLength) / 64], dstLength };
  }
  const slash = key.indexOf('/');
  const dst = key
    .slice(0, slash)
    .split(':')
    .map((h) => parseInt(h, 16) >>> 0);
  return { family: AddressFamily.INET6, dst, dstLength: Number(key.slice(slash + 1)) };
}
