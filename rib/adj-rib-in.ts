// Adj-RIB-In for one address family, all peers: every path received (after import policy, and
// the pre-policy attributes too for peers with soft reconfiguration inbound). A path is a row in
// typed-array columns, not an object: about 31 bytes a path. Rows are linked two ways: per prefix
// slot (the candidates the decision process walks) and per peer (so peer-down, stale marking and
// sweeping touch only that peer's rows).
//
// In: slot numbers (PrefixTable), peer indexes, path ids, attribute-set ids (AttrInterner).
// Out: row numbers and column reads for the Loc-RIB.
import { PathFlag } from './decision/eligibility.ts';

const NONE = -1;

export class AdjRibIn {
  /** Columns, indexed by row. */
  slot: Int32Array;
  peer: Uint16Array;
  pathId: Uint32Array;
  /** Post-policy attribute set id (0 when filtered). */
  attr: Uint32Array;
  /** Pre-policy attribute set id (0 unless the peer keeps a soft-reconfiguration copy). */
  pre: Uint32Array;
  flags: Uint8Array;
  /** Next row of the same prefix (or the free list), NONE at the end. */
  next: Int32Array;
  private peerNext: Int32Array;
  private peerPrev: Int32Array;
  /** First row per prefix slot. */
  private slotHead: Int32Array;
  private readonly peerHead: number[] = [];
  private readonly peerRows: number[] = [];
  private freeHead = NONE;
  private highWater = 0;
  private rows = 0;

  constructor(initialRows = 1024, initialSlots = 1024) {
    this.slot = new Int32Array(initialRows);
    this.peer = new Uint16Array(initialRows);
    this.pathId = new Uint32Array(initialRows);
    this.attr = new Uint32Array(initialRows);
    this.pre = new Uint32Array(initialRows);
    this.flags = new Uint8Array(initialRows);
    this.next = new Int32Array(initialRows);
    this.peerNext = new Int32Array(initialRows);
    this.peerPrev = new Int32Array(initialRows);
    this.slotHead = new Int32Array(initialSlots).fill(NONE);
  }

  get size(): number {
    return this.rows;
  }

  get byteLength(): number {
    return this.slot.length * 31 + this.slotHead.byteLength;
  }

  /** Paths held for a peer. */
  countOf(peer: number): number {
    return this.peerRows[peer] ?? 0;
  }

  head(slot: number): number {
    return slot < this.slotHead.length ? this.slotHead[slot] : NONE;
  }

  /** The row of (slot, peer, pathId), or -1. */
  find(slot: number, peer: number, pathId: number): number {
    for (let r = this.head(slot); r !== NONE; r = this.next[r]) {
      if (this.peer[r] === peer && this.pathId[r] === pathId) return r;
    }
    return NONE;
  }

  add(slot: number, peer: number, pathId: number, attr: number, pre: number, flags: number): number {
    if (slot >= this.slotHead.length) this.growSlots(slot + 1);
    let r: number;
    if (this.freeHead !== NONE) {
      r = this.freeHead;
      this.freeHead = this.next[r];
    } else {
      if (this.highWater === this.slot.length) this.growRows();
      r = this.highWater++;
    }
    this.slot[r] = slot;
    this.peer[r] = peer;
    this.pathId[r] = pathId;
    this.attr[r] = attr;
    this.pre[r] = pre;
    this.flags[r] = flags;
    this.next[r] = this.slotHead[slot];
    this.slotHead[slot] = r;
    const ph = this.peerHead[peer] ?? NONE;
    this.peerNext[r] = ph;
    this.peerPrev[r] = NONE;
    if (ph !== NONE) this.peerPrev[ph] = r;
    this.peerHead[peer] = r;
    this.peerRows[peer] = (this.peerRows[peer] ?? 0) + 1;
    this.rows++;
    return r;
  }

  remove(r: number): void {
    const s = this.slot[r];
    if (this.slotHead[s] === r) this.slotHead[s] = this.next[r];
    else {
      let p = this.slotHead[s];
      while (this.next[p] !== r) p = this.next[p];
      this.next[p] = this.next[r];
    }
    const pn = this.peerNext[r];
    const pp = this.peerPrev[r];
    if (pp !== NONE) this.peerNext[pp] = pn;
    else this.peerHead[this.peer[r]] = pn;
    if (pn !== NONE) this.peerPrev[pn] = pp;
    this.peerRows[this.peer[r]]--;
    this.slot[r] = NONE;
    this.next[r] = this.freeHead;
    this.freeHead = r;
    this.rows--;
  }

  /** First row of a peer's list (for walks that may remove rows: read peerNextOf before removing). */
  peerFirst(peer: number): number {
    return this.peerHead[peer] ?? NONE;
  }

  peerNextOf(r: number): number {
    return this.peerNext[r];
  }

  isStale(r: number): boolean {
    return (this.flags[r] & PathFlag.STALE) !== 0;
  }

  private growRows(): void {
    const n = this.slot.length * 2;
    const g = <T extends Int32Array | Uint32Array | Uint16Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.slot = g(this.slot, (k) => new Int32Array(k));
    this.peer = g(this.peer, (k) => new Uint16Array(k));
    this.pathId = g(this.pathId, (k) => new Uint32Array(k));
    this.attr = g(this.attr, (k) => new Uint32Array(k));
    this.pre = g(this.pre, (k) => new Uint32Array(k));
    this.flags = g(this.flags, (k) => new Uint8Array(k));
    this.next = g(this.next, (k) => new Int32Array(k));
    this.peerNext = g(this.peerNext, (k) => new Int32Array(k));
    this.peerPrev = g(this.peerPrev, (k) => new Int32Array(k));
  }

  private growSlots(min: number): void {
    let n = this.slotHead.length * 2;
    while (n < min) n *= 2;
    const h = new Int32Array(n).fill(NONE);
    h.set(this.slotHead);
    this.slotHead = h;
  }
}
