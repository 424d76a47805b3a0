// Adj-RIB-Out with update groups. Peers with the same export settings (iBGP or eBGP, route-
// reflector client or not, export policy, next-hop-self, MRAI) share one group; the group
// computes each prefix's outgoing attributes once and emits one `send` message for all its
// peers, prefixes grouped by attribute set so the UPDATE packer can put many in one UPDATE.
//
// Timing (RFC 4271 §9.2.1.1 MinRouteAdvertisementIntervalTimer): announcements for a group go
// out at most once per MRAI; withdrawals are never held back behind it. The owner calls
// poll(now) and schedules the next call at nextDeadline(); nothing here sets timers.
//
// In: bestChanged(afi, slot) from the Loc-RIBs; peers joining and leaving; poll(now).
// Out: SendMessage values through the `send` callback; per-group advertised state for the API.
import type { PrefixList } from '../bgp/wire/types.ts';
import type { Announcement, SendMessage } from './messages.ts';
import type { RibPeer } from './peer.ts';
import type { Policy } from './policy/policy.ts';
import type { Rib } from './rib.ts';
import type { GroupSettings } from './export-rules.ts';
import type { LocRib } from './loc-rib.ts';
import { AttrInterner } from './attr-intern.ts';
import { exportRoute } from './export-rules.ts';
import { Afi } from '../bgp/wire/iana/afi-safi.ts';

/** RFC 4271 §10 suggests 30 s for external peers; in-cluster iBGP defaults to 0 (issue 4). */
export const DEFAULT_EBGP_MRAI_MS = 30000;
export const DEFAULT_IBGP_MRAI_MS = 0;

export interface OutPeerSettings {
  readonly peer: RibPeer;
  readonly exportPolicy: Policy | null;
  readonly nextHopSelf?: boolean;
  readonly mraiMs?: number;
}

interface FamilyOut {
  /** Outgoing attribute set id per slot (0: not advertised). */
  adv: Uint32Array;
  dirty: Uint8Array;
  pending: number[];
  /** Prefixes with adv != 0, kept as they change (the API and metrics read it per scrape). */
  count: number;
}

class UpdateGroup {
  readonly id: number;
  readonly key: string;
  readonly settings: GroupSettings;
  readonly mraiMs: number;
  readonly peers = new Set<number>();
  readonly families = new Map<number, FamilyOut>();
  nextAnnounceAt = 0;

  constructor(id: number, key: string, settings: GroupSettings, mraiMs: number) {
    this.id = id;
    this.key = key;
    this.settings = settings;
    this.mraiMs = mraiMs;
    for (const afi of [Afi.IPV4, Afi.IPV6])
      this.families.set(afi, { adv: new Uint32Array(0), dirty: new Uint8Array(0), pending: [], count: 0 });
  }

  mark(afi: number, slot: number): void {
    const f = this.families.get(afi)!;
    if (slot >= f.dirty.length) grow(f, slot + 1);
    if (f.dirty[slot] === 1) return;
    f.dirty[slot] = 1;
    f.pending.push(slot);
  }
}

function grow(f: FamilyOut, min: number): void {
  let n = Math.max(1024, f.dirty.length * 2);
  while (n < min) n *= 2;
  const adv = new Uint32Array(n);
  adv.set(f.adv);
  const dirty = new Uint8Array(n);
  dirty.set(f.dirty);
  f.adv = adv;
  f.dirty = dirty;
}

const policyIds = new WeakMap<Policy, number>();
let nextPolicyId = 1;
function policyId(p: Policy | null): number {
  if (p === null) return 0;
  let id = policyIds.get(p);
  if (id === undefined) policyIds.set(p, (id = nextPolicyId++));
  return id;
}

export class AdjRibOut {
  private readonly rib: Rib;
  private readonly send: (m: SendMessage) => void;
  /** Outgoing attribute sets, shared by all groups (the next hop is part of a set; empty = self). */
  readonly interner = new AttrInterner();
  private readonly groups = new Map<number, UpdateGroup>();
  private readonly byKey = new Map<string, UpdateGroup>();
  private readonly groupOfPeer = new Map<number, UpdateGroup>();
  private nextGroupId = 1;

  constructor(rib: Rib, send: (m: SendMessage) => void) {
    this.rib = rib;
    this.send = send;
  }

  /** Put a peer in the group matching its settings (creating it); returns the group id. */
  addPeer(s: OutPeerSettings): number {
    const p = s.peer;
    const settings: GroupSettings = {
      ibgp: p.ibgp,
      rrClient: p.rrClient,
      exportPolicy: s.exportPolicy,
      nextHopSelf: s.nextHopSelf ?? false,
    };
    const mrai = s.mraiMs ?? (p.ibgp ? DEFAULT_IBGP_MRAI_MS : DEFAULT_EBGP_MRAI_MS);
    const key = [
      p.ibgp ? 'i' : 'e',
      p.rrClient ? 'c' : 'n',
      policyId(s.exportPolicy),
      settings.nextHopSelf ? 's' : 'u',
      mrai,
    ].join('/');
    this.removePeer(p.index);
    let g = this.byKey.get(key);
    const fresh = g === undefined;
    if (g === undefined) {
      g = new UpdateGroup(this.nextGroupId++, key, settings, mrai);
      this.groups.set(g.id, g);
      this.byKey.set(key, g);
    }
    g.peers.add(p.index);
    this.groupOfPeer.set(p.index, g);
    if (fresh) {
      // A new group starts from the whole Loc-RIB.
      for (const afi of [Afi.IPV4, Afi.IPV6]) {
        const loc = this.rib.locRib(afi);
        for (let s = 0; s < loc.prefixes.slotLimit; s++) if (loc.bestRow(s) >= 0) g.mark(afi, s);
      }
    } else {
      this.dumpTo(g, p.index);
    }
    return g.id;
  }

  /**
   * Soft reset out (RFC 2918) with possibly new settings (export policy, next-hop-self, MRAI):
   * the peer is sent its whole table again under the new settings, and every prefix it was sent
   * before but would not get now is withdrawn — a narrower export policy must not leave routes
   * behind at the peer. Returns the peer's group id.
   */
  refreshPeer(s: OutPeerSettings): number {
    const index = s.peer.index;
    const old = this.groupOfPeer.get(index);
    // What the peer holds from us now, by prefix (slots may be released when its group empties).
    const before = new Map<number, { words: number[]; length: number }[]>();
    if (old !== undefined) {
      for (const [afi, f] of old.families) {
        const loc = this.rib.locRib(afi);
        const stride = afi === Afi.IPV6 ? 4 : 1;
        const list: { words: number[]; length: number }[] = [];
        for (let slot = 0; slot < f.adv.length; slot++) {
          if (f.adv[slot] === 0) continue;
          const words: number[] = [];
          for (let k = 0; k < stride; k++) words.push(loc.prefixes.wordOf(slot, k));
          list.push({ words, length: loc.prefixes.lengthOf(slot) });
        }
        before.set(afi, list);
      }
    }
    const id = this.addPeer(s);
    const g = this.groups.get(id)!;
    // A fresh group computes its table now, so what it no longer advertises is known.
    for (const afi of g.families.keys()) this.flush(g, afi, true);
    for (const [afi, list] of before) {
      const loc = this.rib.locRib(afi);
      const f = g.families.get(afi)!;
      const gone = list.filter((p) => {
        const slot = loc.prefixes.find(p.words, 0, p.length);
        return slot < 0 || slot >= f.adv.length || f.adv[slot] === 0;
      });
      if (gone.length === 0) continue;
      const stride = afi === Afi.IPV6 ? 4 : 1;
      const words = new Uint32Array(gone.length * stride);
      gone.forEach((p, i) => words.set(p.words, i * stride));
      const withdraw = {
        afi,
        count: gone.length,
        words,
        lengths: Uint8Array.from(gone.map((p) => p.length)),
        pathIds: null,
      };
      this.send({ kind: 'send', group: g.id, peer: index, afi, announce: [], withdraw });
    }
    return id;
  }

  removePeer(index: number): void {
    const g = this.groupOfPeer.get(index);
    if (g === undefined) return;
    this.groupOfPeer.delete(index);
    g.peers.delete(index);
    if (g.peers.size > 0) return;
    for (const [afi, f] of g.families) {
      const loc = this.rib.locRib(afi);
      for (let s = 0; s < f.adv.length; s++) {
        if (f.adv[s] === 0) continue;
        this.interner.unref(f.adv[s]);
        f.adv[s] = 0;
        loc.releaseSlot(s);
      }
    }
    this.groups.delete(g.id);
    this.byKey.delete(g.key);
  }

  groupOf(peerIndex: number): number | null {
    return this.groupOfPeer.get(peerIndex)?.id ?? null;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /** LocRibSink half: a prefix's best path changed. */
  bestChanged(afi: number, slot: number): void {
    for (const g of this.groups.values()) g.mark(afi, slot);
  }

  /**
   * Emit what is due at `nowMs`: withdrawals always, announcements when the group's MRAI has
   * passed. Returns the time of the next announcement due (or Infinity).
   */
  poll(nowMs: number): number {
    let next = Infinity;
    for (const g of this.groups.values()) {
      const announceNow = nowMs >= g.nextAnnounceAt;
      let announced = false;
      for (const afi of g.families.keys()) announced = this.flush(g, afi, announceNow) || announced;
      if (announced && g.mraiMs > 0) g.nextAnnounceAt = nowMs + g.mraiMs;
      const waiting = [...g.families.values()].some((f) => f.pending.length > 0);
      if (waiting) next = Math.min(next, g.nextAnnounceAt);
    }
    return next;
  }

  /** How many prefixes of `afi` a group advertises now. */
  advertisedCount(groupId: number, afi: number): number {
    return this.groups.get(groupId)?.families.get(afi)?.count ?? 0;
  }

  /** The outgoing attribute set id a group holds for a prefix slot (0 = not advertised). */
  advertised(groupId: number, afi: number, slot: number): number {
    const f = this.groups.get(groupId)?.families.get(afi);
    return f === undefined || slot >= f.adv.length ? 0 : f.adv[slot];
  }

  private flush(g: UpdateGroup, afi: number, announceNow: boolean): boolean {
    const f = g.families.get(afi)!;
    if (f.pending.length === 0) return false;
    const loc = this.rib.locRib(afi);
    const withdraw: number[] = [];
    const byAttr = new Map<number, number[]>();
    const keep: number[] = [];
    for (const slot of f.pending) {
      const old = f.adv[slot];
      const id = this.compute(g, loc, slot);
      if (id === old) {
        f.dirty[slot] = 0;
        if (id !== 0) this.interner.unref(id);
        continue;
      }
      if (id === 0) {
        f.dirty[slot] = 0;
        withdraw.push(slot);
        continue;
      }
      if (!announceNow) {
        this.interner.unref(id);
        keep.push(slot);
        continue;
      }
      f.dirty[slot] = 0;
      let list = byAttr.get(id);
      if (list === undefined) byAttr.set(id, (list = []));
      else this.interner.unref(id); // one reference per slot is held below; drop the extra
      list.push(slot);
    }
    f.pending = keep;
    // Withdrawals first, built before the slots may be freed.
    const wl = this.prefixList(loc, withdraw);
    for (const slot of withdraw) {
      this.interner.unref(f.adv[slot]);
      f.adv[slot] = 0;
      f.count--;
      loc.releaseSlot(slot);
    }
    const announce: Announcement[] = [];
    for (const [id, slots] of byAttr) {
      const attrs = this.interner.get(id);
      for (const slot of slots) {
        if (f.adv[slot] !== 0) this.interner.unref(f.adv[slot]);
        else {
          loc.holdSlot(slot);
          f.count++;
        }
        f.adv[slot] = id;
        this.interner.ref(id);
      }
      this.interner.unref(id); // the reference compute() took for this batch
      announce.push({
        attrs,
        nextHopSelf: attrs.nextHop.length === 0,
        prefixes: this.prefixList(loc, slots),
      });
    }
    if (wl.count > 0 || announce.length > 0)
      this.send({ kind: 'send', group: g.id, afi, announce, withdraw: wl });
    return announce.length > 0;
  }

  /** The outgoing set id for a slot with one reference taken, or 0. */
  private compute(g: UpdateGroup, loc: LocRib, slot: number): number {
    const best = loc.bestOf(slot);
    if (best === null) return 0;
    const r = exportRoute(best, loc.prefixOf(slot), g.settings, this.rib.config);
    if (r === null) return 0;
    const set = this.interner.intern(r.attrs, r.nextHop ?? new Uint8Array(0), null);
    this.interner.ref(set.id);
    return set.id;
  }

  /** Everything the group advertises, to one peer that just joined it. */
  private dumpTo(g: UpdateGroup, peer: number): void {
    for (const [afi, f] of g.families) {
      const loc = this.rib.locRib(afi);
      const byAttr = new Map<number, number[]>();
      for (let s = 0; s < f.adv.length; s++) {
        if (f.adv[s] === 0) continue;
        let l = byAttr.get(f.adv[s]);
        if (l === undefined) byAttr.set(f.adv[s], (l = []));
        l.push(s);
      }
      if (byAttr.size === 0) continue;
      const announce = [...byAttr].map(([id, slots]) => {
        const attrs = this.interner.get(id);
        return { attrs, nextHopSelf: attrs.nextHop.length === 0, prefixes: this.prefixList(loc, slots) };
      });
      this.send({ kind: 'send', group: g.id, peer, afi, announce, withdraw: this.prefixList(loc, []) });
    }
  }

  private prefixList(loc: LocRib, slots: readonly number[]): PrefixList {
    const stride = loc.afi === Afi.IPV6 ? 4 : 1;
    const words = new Uint32Array(slots.length * stride);
    const lengths = new Uint8Array(slots.length);
    slots.forEach((s, i) => {
      for (let k = 0; k < stride; k++) words[i * stride + k] = loc.prefixes.wordOf(s, k);
      lengths[i] = loc.prefixes.lengthOf(s);
    });
    return { afi: loc.afi, count: slots.length, words, lengths, pathIds: null };
  }
}
