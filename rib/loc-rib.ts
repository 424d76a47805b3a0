// Loc-RIB for one address family: the prefix table, the Adj-RIB-In rows of every peer, and per
// prefix the selected best path and the next-hop set installed for it. Every change to a prefix's
// rows re-runs the decision process for that prefix only; when the forwarding (next-hop set)
// changes it emits a fib-change, and when the best path changes it tells the export side.
//
// Per-prefix state lives in typed-array columns indexed by slot (PrefixTable), per-path state in
// AdjRibIn's columns; attribute sets are shared RibAttrs. No object per route.
//
// In: announce/withdraw per prefix (from rib.ts), peer-down, stale marking, next-hop changes.
// Out: FibChange messages and bestChanged(afi, slot) calls on the LocRibSink; read access for
// explain, the Adj-RIB-Out and the API.
import type { AttrInterner, RibAttrs } from './attr-intern.ts';
import type { LocRibSink } from './messages.ts';
import type { NextHopSets, NextHopTracker } from './next-hop.ts';
import type { RibConfig, RibPeer } from './peer.ts';
import type { Prefix } from './prefix.ts';
import type { Candidate } from './decision/steps.ts';
import type { RibJob } from './job.ts';
import { AdjRibIn } from './adj-rib-in.ts';
import { PrefixTable } from './prefix-table.ts';
import { comparePaths, selectPaths } from './decision/compare.ts';
import { LOOP_FLAGS, PathFlag } from './decision/eligibility.ts';
import { listJob } from './job.ts';

const NONE = -1;

/** A reusable Candidate for the one-comparison fast path (no allocation per prefix). */
class ScratchCandidate implements Candidate {
  peer!: RibPeer;
  attrs!: RibAttrs;
  pathId = 0;
  set(loc: LocRib, r: number): void {
    const a = loc.adjIn;
    this.peer = loc.peerOf(r);
    this.attrs = loc.attrsOf(r);
    this.pathId = a.pathIdOf(r);
  }
}

export interface LocRibDeps {
  readonly interner: AttrInterner;
  readonly tracker: NextHopTracker;
  readonly nextHopSets: NextHopSets;
  /** Registered peers by index (owned by rib.ts; read here). */
  readonly peers: readonly (RibPeer | undefined)[];
  readonly config: RibConfig;
  readonly sink: LocRibSink;
}

export class LocRib {
  readonly afi: number;
  readonly prefixes: PrefixTable;
  readonly adjIn: AdjRibIn;
  private readonly d: LocRibDeps;
  /** Best row per slot, NONE when the prefix has no eligible path. */
  private best: Int32Array;
  /** Attribute set of the best row when it was selected (detects in-place attribute changes). */
  private bestAttr: Uint32Array;
  /** Rows in the multipath set beyond the best one, per slot (0 without ECMP). */
  private extraPaths: Uint8Array;
  private nhSet: Uint32Array;
  /** How many Adj-RIB-Out groups currently advertise the slot; a slot is freed only at zero. */
  private outRefs: Uint16Array;
  private readonly scratchA = new ScratchCandidate();
  private readonly scratchB = new ScratchCandidate();

  constructor(afi: number, deps: LocRibDeps, initialSlots = 1024, initialRows = initialSlots) {
    this.afi = afi;
    this.d = deps;
    this.prefixes = new PrefixTable(afi, initialSlots);
    this.adjIn = new AdjRibIn(initialRows, initialSlots);
    this.best = new Int32Array(initialSlots).fill(NONE);
    this.bestAttr = new Uint32Array(initialSlots);
    this.extraPaths = new Uint8Array(initialSlots);
    this.nhSet = new Uint32Array(initialSlots);
    this.outRefs = new Uint16Array(initialSlots);
  }

  /** Bytes held in this family's typed arrays. */
  get byteLength(): number {
    return this.prefixes.byteLength + this.adjIn.byteLength + this.best.length * 15;
  }

  /**
   * A path for one prefix from `peer`. `post` is the attribute set after import policy, or null
   * when policy rejected it; `pre` is the set before policy (kept only with soft-reconfig-in);
   * `loops` are PathFlag loop bits found for `post` (eligibility.ts).
   */
  announce(
    peer: RibPeer,
    words: ArrayLike<number>,
    off: number,
    length: number,
    pathId: number,
    post: RibAttrs | null,
    pre: RibAttrs | null,
    loops: number,
  ): void {
    const keepPre = peer.softReconfigIn && pre !== null;
    if (post === null && !keepPre) {
      this.withdraw(peer, words, off, length, pathId);
      return;
    }
    const slot = this.prefixes.insert(words, off, length);
    if (slot >= this.best.length) this.growSlots();
    const a = this.adjIn;
    const postId = post === null ? 0 : post.id;
    const preId = keepPre ? pre.id : 0;
    const flags = post === null ? PathFlag.FILTERED : loops;
    const r = a.find(slot, peer.index, pathId);
    if (
      r !== NONE &&
      a.attrOf(r) === postId &&
      a.preOf(r) === preId &&
      (a.flagsOf(r) & ~PathFlag.STALE) === flags
    ) {
      // RFC 4724 §4.2: a re-announced route is no longer stale; nothing else changed.
      a.setFlags(r, flags);
      return;
    }
    // Take the new references before dropping the old ones: they may be the same set.
    if (post !== null) this.refSet(post);
    if (keepPre) this.refSet(pre);
    if (r !== NONE) {
      this.unrefRow(r);
      a.setAttrs(r, postId, preId, flags);
      this.decide(slot, r === this.best[slot] ? NONE : r);
    } else {
      this.decide(slot, a.add(slot, peer.index, pathId, postId, preId, flags));
    }
  }

  withdraw(peer: RibPeer, words: ArrayLike<number>, off: number, length: number, pathId: number): void {
    const slot = this.prefixes.find(words, off, length);
    if (slot === NONE) return;
    const r = this.adjIn.find(slot, peer.index, pathId);
    if (r === NONE) return;
    this.removeAndDecide(r);
  }

  private removeAndDecide(r: number): void {
    const slot = this.adjIn.slotOf(r);
    const wasBest = r === this.best[slot];
    this.removeRow(r);
    // Without ECMP, losing a path that was not the best changes nothing.
    if (!wasBest && this.d.config.decision.maxPaths === 1 && this.adjIn.head(slot) !== NONE) return;
    this.decide(slot, NONE);
  }

  /** RFC 4724 §4.2: mark every path from `peer` stale (the peer is restarting). */
  markStale(peer: number): void {
    const a = this.adjIn;
    for (let r = a.peerFirst(peer); r !== NONE; r = a.peerNextOf(r))
      a.setFlags(r, a.flagsOf(r) | PathFlag.STALE);
  }

  /** Remove the paths of `peer` still marked stale (End-of-RIB or restart timer expiry). */
  sweepStale(peer: number): RibJob {
    return this.removeRowsJob(peer, true);
  }

  /** Remove every path from `peer` (session down without graceful restart). */
  peerDown(peer: number): RibJob {
    return this.removeRowsJob(peer, false);
  }

  private removeRowsJob(peer: number, staleOnly: boolean): RibJob {
    const a = this.adjIn;
    const rows: number[] = [];
    for (let r = a.peerFirst(peer); r !== NONE; r = a.peerNextOf(r))
      if (!staleOnly || a.isStale(r)) rows.push(r);
    // Rows are re-checked when their turn comes: an update between slices may have replaced them.
    return listJob(rows, (r) => {
      if (a.slotOf(r) === NONE || a.peerIndexOf(r) !== peer || (staleOnly && !a.isStale(r))) return;
      this.removeAndDecide(r);
    });
  }

  /** Re-run the decision for every prefix with a path using one of these attribute sets. */
  reevaluate(attrIds: readonly number[]): RibJob {
    if (attrIds.length === 0) return listJob([], () => {});
    const mark = new Uint8Array(this.d.interner.idLimit);
    for (const id of attrIds) mark[id] = 1;
    const a = this.adjIn;
    const slots = new Set<number>();
    for (let s = 0; s < this.prefixes.slotLimit; s++) {
      for (let r = a.head(s); r !== NONE; r = a.nextOf(r)) {
        if (a.attrOf(r) < mark.length && mark[a.attrOf(r)] === 1) {
          slots.add(s);
          break;
        }
      }
    }
    return listJob(Int32Array.from(slots), (s) => {
      if (this.prefixes.has(s)) this.decide(s, NONE);
    });
  }

  /** Adj-RIB-Out bookkeeping: a group now advertises / no longer advertises `slot`. */
  holdSlot(slot: number): void {
    this.outRefs[slot]++;
  }

  releaseSlot(slot: number): void {
    if (--this.outRefs[slot] === 0 && this.adjIn.head(slot) === NONE) this.freeSlot(slot);
  }

  // ---- read access (explain, Adj-RIB-Out, API) ----

  bestRow(slot: number): number {
    return slot < this.best.length ? this.best[slot] : NONE;
  }

  /** The best path's attributes and peer, or null. */
  bestOf(slot: number): Candidate | null {
    const r = this.bestRow(slot);
    return r === NONE ? null : this.candidate(r);
  }

  /** Rows of the multipath set (best first). */
  multipathRows(slot: number): number[] {
    const b = this.bestRow(slot);
    if (b === NONE) return [];
    const eligible = this.eligibleRows(slot);
    const chosen = selectPaths(
      eligible.map((r) => this.candidate(r)),
      this.d.config.decision,
    );
    return chosen.map((i) => eligible[i]);
  }

  nextHopsOf(slot: number): readonly Uint8Array[] | null {
    return this.d.nextHopSets.hops(this.nhSet[slot]);
  }

  findSlot(p: Prefix): number {
    return this.prefixes.find(p.words, 0, p.length);
  }

  peerOf(r: number): RibPeer {
    const peer = this.d.peers[this.adjIn.peerIndexOf(r)];
    if (peer === undefined)
      throw new Error(`row ${r} refers to unregistered peer ${this.adjIn.peerIndexOf(r)}`);
    return peer;
  }

  /** The attribute set a row is decided on (the pre-policy one for a filtered row). */
  attrsOf(r: number): RibAttrs {
    const a = this.adjIn;
    return this.d.interner.get(a.attrOf(r) !== 0 ? a.attrOf(r) : a.preOf(r));
  }

  candidate(r: number): Candidate {
    const a = this.adjIn;
    const peer = this.d.peers[a.peerIndexOf(r)];
    if (peer === undefined) throw new Error(`row ${r} refers to unregistered peer ${a.peerIndexOf(r)}`);
    return {
      peer,
      attrs: this.d.interner.get(a.attrOf(r) !== 0 ? a.attrOf(r) : a.preOf(r)),
      pathId: a.pathIdOf(r),
    };
  }

  /** Whether row r may take part in the decision. */
  isEligible(r: number): boolean {
    const a = this.adjIn;
    if ((a.flagsOf(r) & (LOOP_FLAGS | PathFlag.FILTERED)) !== 0) return false;
    return this.d.tracker.reachable(this.d.interner.get(a.attrOf(r)));
  }

  eligibleRows(slot: number): number[] {
    const out: number[] = [];
    for (let r = this.adjIn.head(slot); r !== NONE; r = this.adjIn.nextOf(r))
      if (this.isEligible(r)) out.push(r);
    return out;
  }

  // ---- the decision for one prefix ----

  /**
   * Re-run the decision for `slot`. `changed` is a row that was just added or updated while the
   * previous best row stayed as it was (NONE otherwise): without ECMP, the new best is then the
   * old best or `changed`, found with one comparison instead of a walk over all candidates.
   */
  private decide(slot: number, changed: number): void {
    const a = this.adjIn;
    const o = this.d.config.decision;
    const oldBest = this.best[slot];
    if (changed !== NONE && oldBest !== NONE && o.maxPaths === 1) {
      if (!this.isEligible(changed)) return;
      this.scratchA.set(this, oldBest);
      this.scratchB.set(this, changed);
      if (comparePaths(this.scratchA, this.scratchB, o) <= 0) return;
      this.install(slot, changed, 0, this.d.nextHopSets.acquireOne(this.scratchB.attrs));
      return;
    }
    let newBest = NONE;
    let extra = 0;
    let newNh = 0;
    let only = NONE;
    let eligibleCount = 0;
    for (let r = a.head(slot); r !== NONE; r = a.nextOf(r)) {
      if (!this.isEligible(r)) continue;
      eligibleCount++;
      only = r;
    }
    if (eligibleCount === 1) {
      newBest = only;
      newNh = this.d.nextHopSets.acquireOne(this.d.interner.get(a.attrOf(only)));
    } else if (eligibleCount > 1) {
      const rows = this.eligibleRows(slot);
      const cands = rows.map((r) => this.candidate(r));
      const chosen = selectPaths(cands, o);
      newBest = rows[chosen[0]];
      extra = chosen.length - 1;
      newNh = this.d.nextHopSets.acquire(chosen.map((i) => cands[i].attrs));
    }
    this.install(slot, newBest, extra, newNh);
  }

  /** Record the decision for `slot` and tell the FIB and export sides what changed. */
  private install(slot: number, newBest: number, extra: number, newNh: number): void {
    const a = this.adjIn;
    if (newBest !== NONE && this.d.peers[a.peerIndexOf(newBest)]?.local === true) {
      // A locally originated best path is not a kernel route of ours (rib/fib may blackhole it).
      this.d.nextHopSets.release(newNh);
      newNh = 0;
    }
    const oldNh = this.nhSet[slot];
    this.nhSet[slot] = newNh;
    if (newNh !== oldNh) {
      this.d.sink.fibChange({
        kind: 'fib-change',
        prefix: this.prefixOf(slot),
        nextHops: this.d.nextHopSets.hops(newNh),
      });
    }
    this.d.nextHopSets.release(oldNh);
    const newAttr = newBest === NONE ? 0 : a.attrOf(newBest);
    const changed =
      newBest !== this.best[slot] || newAttr !== this.bestAttr[slot] || extra !== this.extraPaths[slot];
    this.best[slot] = newBest;
    this.bestAttr[slot] = newAttr;
    this.extraPaths[slot] = extra;
    if (changed) this.d.sink.bestChanged(this.afi, slot);
    if (a.head(slot) === NONE && this.outRefs[slot] === 0) this.freeSlot(slot);
  }

  prefixOf(slot: number): Prefix {
    const t = this.prefixes;
    const words =
      this.afi === 1
        ? [t.wordOf(slot, 0)]
        : [t.wordOf(slot, 0), t.wordOf(slot, 1), t.wordOf(slot, 2), t.wordOf(slot, 3)];
    return { afi: this.afi, words, length: t.lengthOf(slot) };
  }

  private freeSlot(slot: number): void {
    this.best[slot] = NONE;
    this.bestAttr[slot] = 0;
    this.extraPaths[slot] = 0;
    this.nhSet[slot] = 0;
    this.prefixes.remove(slot);
  }

  private removeRow(r: number): void {
    const slot = this.adjIn.slotOf(r);
    this.unrefRow(r);
    this.adjIn.remove(r);
    // A reused row number must never look like the old best to decide().
    if (this.best[slot] === r) this.best[slot] = NONE;
  }

  private refSet(s: RibAttrs): void {
    if (this.d.interner.refCount(s.id) === 0) this.d.tracker.evaluate(s);
    this.d.interner.ref(s.id);
  }

  private unrefRow(r: number): void {
    const a = this.adjIn;
    if (a.attrOf(r) !== 0) this.d.interner.unref(a.attrOf(r));
    if (a.preOf(r) !== 0) this.d.interner.unref(a.preOf(r));
  }

  private growSlots(): void {
    const n = Math.max(this.prefixes.slotLimit, this.best.length * 2);
    const grow = <T extends Int32Array | Uint32Array | Uint16Array | Uint8Array>(
      x: T,
      make: (k: number) => T,
    ): T => {
      const y = make(n);
      y.set(x);
      return y;
    };
    this.best = grow(this.best, (k) => new Int32Array(k).fill(NONE));
    this.bestAttr = grow(this.bestAttr, (k) => new Uint32Array(k));
    this.extraPaths = grow(this.extraPaths, (k) => new Uint8Array(k));
    this.nhSet = grow(this.nhSet, (k) => new Uint32Array(k));
    this.outRefs = grow(this.outRefs, (k) => new Uint16Array(k));
  }
}
