// Adj-RIB-In for one address family, all peers: every path received (after import policy, and
// the pre-policy attributes too for peers with soft reconfiguration inbound). A path is a row of
// eight 32-bit words, not an object: 32 bytes a path, all of one path in one cache line. Rows are
// linked two ways: per prefix slot (the candidates the decision process walks) and per peer (so
// peer-down, stale marking and sweeping touch only that peer's rows).
//
// Rows live in fixed-size segments (SEGMENT_ROWS rows each). Growing adds a segment and copies
// nothing, so a table of 10M paths never stops the event loop to copy hundreds of megabytes (a
// doubling copy of 8M rows measured 130 ms), and capacity tracks use to within one segment.
//
// In: slot numbers (PrefixTable), peer indexes, path ids, attribute-set ids (AttrInterner).
// Out: row numbers and field reads for the Loc-RIB.
import { PathFlag } from './decision/eligibility.ts';

const NONE = -1;

const SEGMENT_SHIFT = 14;
const SEGMENT_ROWS = 1 << SEGMENT_SHIFT;
const ROW_MASK = SEGMENT_ROWS - 1;
/** Words per row, and the word of each field. */
const ROW_WORDS = 8;
const SLOT = 0;
/** Peer index in the low 16 bits, PathFlag bits above. */
const PEER_FLAGS = 1;
const PATH_ID = 2;
/** Post-policy attribute set id (0 when filtered). */
const ATTR = 3;
/** Pre-policy attribute set id (0 unless the peer keeps a soft-reconfiguration copy). */
const PRE = 4;
/** Next row of the same prefix (or of the free list), NONE at the end. */
const NEXT = 5;
const PEER_NEXT = 6;
const PEER_PREV = 7;

/** A read-only view of one field by row number, for callers written against the old columns. */
export type RowFieldView = { readonly [row: number]: number };

function fieldView(read: (r: number) => number): RowFieldView {
  return new Proxy({} as RowFieldView, {
    get: (_t, key) => (typeof key === 'string' ? read(Number(key)) : undefined),
  });
}

export class AdjRibIn {
  /**
   * Field views indexed like the former typed-array columns (`a.attr[r]`), kept so code outside
   * the RIB's hot path (rib/explain.ts) reads on unchanged. Each read goes through a Proxy: use
   * the *Of(r) methods in loops.
   */
  readonly slot = fieldView((r) => this.slotOf(r));
  readonly peer = fieldView((r) => this.peerIndexOf(r));
  readonly pathId = fieldView((r) => this.pathIdOf(r));
  readonly attr = fieldView((r) => this.attrOf(r));
  readonly pre = fieldView((r) => this.preOf(r));
  readonly flags = fieldView((r) => this.flagsOf(r));
  readonly next = fieldView((r) => this.nextOf(r));
  private readonly segments: Int32Array[] = [];
  /** First row per prefix slot. */
  private slotHead: Int32Array;
  private readonly peerHead: number[] = [];
  private readonly peerRows: number[] = [];
  private freeHead = NONE;
  private highWater = 0;
  private rows = 0;

  constructor(initialRows = 1024, initialSlots = 1024) {
    const segments = Math.max(1, Math.ceil(initialRows / SEGMENT_ROWS));
    for (let i = 0; i < segments; i++) this.segments.push(new Int32Array(SEGMENT_ROWS * ROW_WORDS));
    this.slotHead = new Int32Array(initialSlots).fill(NONE);
  }

  get size(): number {
    return this.rows;
  }

  get byteLength(): number {
    return this.segments.length * SEGMENT_ROWS * ROW_WORDS * 4 + this.slotHead.byteLength;
  }

  /** Paths held for a peer. */
  countOf(peer: number): number {
    return this.peerRows[peer] ?? 0;
  }

  head(slot: number): number {
    return slot < this.slotHead.length ? this.slotHead[slot] : NONE;
  }

  // ---- fields of row r ----

  /** The prefix slot of row r; NONE once the row was removed. */
  slotOf(r: number): number {
    return this.segments[r >>> SEGMENT_SHIFT][((r & ROW_MASK) << 3) + SLOT];
  }

  peerIndexOf(r: number): number {
    return this.segments[r >>> SEGMENT_SHIFT][((r & ROW_MASK) << 3) + PEER_FLAGS] & 0xffff;
  }

  flagsOf(r: number): number {
    return this.segments[r >>> SEGMENT_SHIFT][((r & ROW_MASK) << 3) + PEER_FLAGS] >>> 16;
  }

  pathIdOf(r: number): number {
    return this.segments[r >>> SEGMENT_SHIFT][((r & ROW_MASK) << 3) + PATH_ID] >>> 0;
  }

  attrOf(r: number): number {
    return this.segments[r >>> SEGMENT_SHIFT][((r & ROW_MASK) << 3) + ATTR];
  }

  preOf(r: number): number {
    return this.segments[r >>> SEGMENT_SHIFT][((r & ROW_MASK) << 3) + PRE];
  }

  /** The next row of the same prefix, or NONE. */
  nextOf(r: number): number {
    return this.segments[r >>> SEGMENT_SHIFT][((r & ROW_MASK) << 3) + NEXT];
  }

  setFlags(r: number, flags: number): void {
    const seg = this.segments[r >>> SEGMENT_SHIFT];
    const o = ((r & ROW_MASK) << 3) + PEER_FLAGS;
    seg[o] = (seg[o] & 0xffff) | (flags << 16);
  }

  /** Replace a row's attribute sets and flags (an update of the same path). */
  setAttrs(r: number, attr: number, pre: number, flags: number): void {
    const seg = this.segments[r >>> SEGMENT_SHIFT];
    const o = (r & ROW_MASK) << 3;
    seg[o + ATTR] = attr;
    seg[o + PRE] = pre;
    seg[o + PEER_FLAGS] = (seg[o + PEER_FLAGS] & 0xffff) | (flags << 16);
  }

  /** The row of (slot, peer, pathId), or -1. */
  find(slot: number, peer: number, pathId: number): number {
    const id = pathId | 0;
    for (let r = this.head(slot); r !== NONE;) {
      const seg = this.segments[r >>> SEGMENT_SHIFT];
      const o = (r & ROW_MASK) << 3;
      if ((seg[o + PEER_FLAGS] & 0xffff) === peer && seg[o + PATH_ID] === id) return r;
      r = seg[o + NEXT];
    }
    return NONE;
  }

  add(slot: number, peer: number, pathId: number, attr: number, pre: number, flags: number): number {
    if (slot >= this.slotHead.length) this.growSlots(slot + 1);
    let r: number;
    if (this.freeHead !== NONE) {
      r = this.freeHead;
      this.freeHead = this.nextOf(r);
    } else {
      if (this.highWater === this.segments.length * SEGMENT_ROWS)
        this.segments.push(new Int32Array(SEGMENT_ROWS * ROW_WORDS));
      r = this.highWater++;
    }
    const seg = this.segments[r >>> SEGMENT_SHIFT];
    const o = (r & ROW_MASK) << 3;
    seg[o + SLOT] = slot;
    seg[o + PEER_FLAGS] = peer | (flags << 16);
    seg[o + PATH_ID] = pathId;
    seg[o + ATTR] = attr;
    seg[o + PRE] = pre;
    seg[o + NEXT] = this.slotHead[slot];
    this.slotHead[slot] = r;
    const ph = this.peerHead[peer] ?? NONE;
    seg[o + PEER_NEXT] = ph;
    seg[o + PEER_PREV] = NONE;
    if (ph !== NONE) this.put(ph, PEER_PREV, r);
    this.peerHead[peer] = r;
    this.peerRows[peer] = (this.peerRows[peer] ?? 0) + 1;
    this.rows++;
    return r;
  }

  remove(r: number): void {
    const seg = this.segments[r >>> SEGMENT_SHIFT];
    const o = (r & ROW_MASK) << 3;
    const s = seg[o + SLOT];
    if (this.slotHead[s] === r) this.slotHead[s] = seg[o + NEXT];
    else {
      let p = this.slotHead[s];
      while (this.nextOf(p) !== r) p = this.nextOf(p);
      this.put(p, NEXT, seg[o + NEXT]);
    }
    const pn = seg[o + PEER_NEXT];
    const pp = seg[o + PEER_PREV];
    const peer = seg[o + PEER_FLAGS] & 0xffff;
    if (pp !== NONE) this.put(pp, PEER_NEXT, pn);
    else this.peerHead[peer] = pn;
    if (pn !== NONE) this.put(pn, PEER_PREV, pp);
    this.peerRows[peer]--;
    seg[o + SLOT] = NONE;
    seg[o + NEXT] = this.freeHead;
    this.freeHead = r;
    this.rows--;
  }

  /** First row of a peer's list (for walks that may remove rows: read peerNextOf before removing). */
  peerFirst(peer: number): number {
    return this.peerHead[peer] ?? NONE;
  }

  peerNextOf(r: number): number {
    return this.segments[r >>> SEGMENT_SHIFT][((r & ROW_MASK) << 3) + PEER_NEXT];
  }

  isStale(r: number): boolean {
    return (this.flagsOf(r) & PathFlag.STALE) !== 0;
  }

  private put(r: number, field: number, value: number): void {
    this.segments[r >>> SEGMENT_SHIFT][((r & ROW_MASK) << 3) + field] = value;
  }

  private growSlots(min: number): void {
    let n = this.slotHead.length * 2;
    while (n < min) n *= 2;
    const h = new Int32Array(n).fill(NONE);
    h.set(this.slotHead);
    this.slotHead = h;
  }
}
