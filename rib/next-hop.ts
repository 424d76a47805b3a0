// Next hops in the RIB: whether each attribute set's next hop is reachable (asked of the FIB
// owner's nextHopReachable hook once per set and cached), and the interned next-hop sets that the
// Loc-RIB hands to the kernel owner in fib-change messages (one shared frozen array per distinct
// set, refcounted per prefix, so "did the kernel route change?" is one integer compare).
//
// In: RibAttrs, the reachability hook, next-hop-changed notices. Out: cached verdicts, set ids.
import type { RibAttrs } from './attr-intern.ts';

export type NextHopReachable = (addr: Uint8Array) => boolean;

const UNKNOWN = 0;
const REACHABLE = 1;
const UNREACHABLE = 2;

export class NextHopTracker {
  private readonly hook: NextHopReachable;
  private state = new Uint8Array(1024);

  constructor(hook: NextHopReachable) {
    this.hook = hook;
  }

  /** Called when a set gains its first reference (a fresh or reused id). */
  evaluate(a: RibAttrs): void {
    if (a.id >= this.state.length) {
      let n = this.state.length * 2;
      while (n <= a.id) n *= 2;
      const s = new Uint8Array(n);
      s.set(this.state);
      this.state = s;
    }
    // A locally originated route has no next hop to resolve.
    this.state[a.id] = a.nextHop.length === 0 || this.hook(a.nextHop) ? REACHABLE : UNREACHABLE;
  }

  reachable(a: RibAttrs): boolean {
    if (a.id >= this.state.length || this.state[a.id] === UNKNOWN) this.evaluate(a);
    return this.state[a.id] === REACHABLE;
  }

  /** Re-ask the hook for every set whose next hop is `addr`; returns the ids whose verdict flipped. */
  recheck(addr: Uint8Array, sets: Iterable<RibAttrs>): number[] {
    const flipped: number[] = [];
    for (const a of sets) {
      if (!sameBytes(a.nextHop, addr)) continue;
      const before = this.state[a.id];
      this.evaluate(a);
      if (before !== this.state[a.id]) flipped.push(a.id);
    }
    return flipped;
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface NextHopSet {
  readonly id: number;
  readonly key: string;
  readonly hops: readonly Uint8Array[];
  refs: number;
}

/** Interned next-hop sets; id 0 means "no route". */
export class NextHopSets {
  private readonly byKey = new Map<string, NextHopSet>();
  private readonly byId: (NextHopSet | undefined)[] = [undefined];
  private readonly freeIds: number[] = [];
  /**
   * Single-hop sets by attribute-set id (0 = none cached), so the common one-path prefix builds no
   * key string. Attribute-set ids and next-hop-set ids are both reused after being freed, so a hit
   * is checked against the attribute set's own next hop before use. (This was a WeakMap keyed by
   * the RibAttrs object: with 100k sets, ephemeron marking took 50-160 ms of one major GC.)
   */
  private single = new Int32Array(1024);

  get size(): number {
    return this.byKey.size;
  }

  hops(id: number): readonly Uint8Array[] | null {
    return id === 0 ? null : this.byId[id]!.hops;
  }

  /** acquire([a]) without building an array. */
  acquireOne(a: RibAttrs): number {
    const set = this.cachedSingle(a);
    if (set !== undefined) {
      set.refs++;
      return set.id;
    }
    return this.acquire([a]);
  }

  /** The cached one-hop set for attribute set a, if still interned and still a's next hop. */
  private cachedSingle(a: RibAttrs): NextHopSet | undefined {
    if (a.id >= this.single.length) return undefined;
    const id = this.single[a.id];
    if (id === 0) return undefined;
    const set = this.byId[id];
    if (set === undefined || set.hops.length !== 1 || !sameBytes(set.hops[0], a.nextHop)) return undefined;
    return set;
  }

  private cacheSingle(a: RibAttrs, set: NextHopSet): void {
    if (a.id >= this.single.length) {
      let n = this.single.length * 2;
      while (n <= a.id) n *= 2;
      const grown = new Int32Array(n);
      grown.set(this.single);
      this.single = grown;
    }
    this.single[a.id] = set.id;
  }

  /** The id for the next hops of these attribute sets (sorted, deduplicated), with one reference taken. */
  acquire(members: readonly RibAttrs[]): number {
    let set: NextHopSet | undefined;
    if (members.length === 1) set = this.cachedSingle(members[0]);
    if (set === undefined) {
      const hops = members.map((m) => m.nextHop).filter((h) => h.length > 0);
      if (hops.length === 0) return 0;
      hops.sort(compareBytes);
      const uniq = hops.filter((h, i) => i === 0 || !sameBytes(h, hops[i - 1]));
      const key = uniq.map((h) => h.join('.')).join('|');
      set = this.byKey.get(key);
      if (set === undefined) {
        const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.byId.length;
        set = { id, key, hops: Object.freeze(uniq.map((h) => h.slice())), refs: 0 };
        this.byId[id] = set;
        this.byKey.set(key, set);
      }
      if (members.length === 1) this.cacheSingle(members[0], set);
    }
    set.refs++;
    return set.id;
  }

  release(id: number): void {
    if (id === 0) return;
    const set = this.byId[id]!;
    if (--set.refs > 0) return;
    this.byKey.delete(set.key);
    this.byId[id] = undefined;
    this.freeIds.push(id);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
