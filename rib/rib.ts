// The RIB owner: takes UPDATEs from sessions, runs import policy, and feeds the per-family
// Loc-RIBs, which emit fib-change messages and best-path changes (messages.ts). It owns the
// shared attribute interner, the next-hop tracker, and the peer registry.
//
//   session ──update/peer-down/EoR──▶ Rib.applyUpdate / peerDown / sweepStale
//                                      │ import policy (RFC 8212 for eBGP without one)
//                                      ▼
//                                   LocRib (per AFI) ──fib-change──▶ rib/fib
//                                      └──bestChanged──▶ AdjRibOut groups ──send──▶ sessions
//   rib/fib ──next hop (un)reachable──▶ Rib.nextHopChanged
//
// In: UpdateMessage-shaped input per peer, originated prefixes, next-hop notices.
// Out: through the LocRibSink given at construction; RibJobs for long work.
import type { PathAttributes, PrefixList } from '../bgp/wire/types.ts';
import type { LocRibSink } from './messages.ts';
import type { NextHopReachable } from './next-hop.ts';
import type { RibConfig, RibPeer } from './peer.ts';
import type { Prefix } from './prefix.ts';
import type { RibJob } from './job.ts';
import type { RibAttrs } from './attr-intern.ts';
import { AttrInterner } from './attr-intern.ts';
import { LocRib } from './loc-rib.ts';
import { NextHopSets, NextHopTracker } from './next-hop.ts';
import { localPeer } from './peer.ts';
import { addressBytes } from './prefix.ts';
import { loopFlags } from './decision/eligibility.ts';
import { DEFAULT_STATEMENT } from './policy/policy.ts';
import { Afi, Safi } from '../bgp/wire/iana/afi-safi.ts';
import { Origin } from '../bgp/wire/iana/attribute-types.ts';

/** The parts of an UPDATE the RIB reads (bgp/wire UpdateMessage fits). */
export interface RibUpdate {
  readonly withdrawn?: PrefixList | null;
  readonly attrs: PathAttributes;
  readonly nlri?: PrefixList | null;
}

export interface RibOptions {
  readonly config: RibConfig;
  readonly nextHopReachable: NextHopReachable;
  readonly sink: LocRibSink;
  /** Initial IPv4 capacity in prefixes (grows as needed; growing a big table copies it once). */
  readonly initialPrefixes?: number;
  /** Initial IPv4 capacity in paths (default: initialPrefixes). */
  readonly initialPaths?: number;
}

interface ImportCacheEntry {
  readonly post: RibAttrs | null;
  readonly loops: number;
}

export class Rib {
  readonly config: RibConfig;
  readonly interner = new AttrInterner();
  readonly tracker: NextHopTracker;
  readonly nextHopSets = new NextHopSets();
  /** Registered peers by index; index 0 is the local pseudo-peer. */
  readonly peers: (RibPeer | undefined)[] = [];
  readonly local: RibPeer;
  private readonly families = new Map<number, LocRib>();

  constructor(o: RibOptions) {
    this.config = o.config;
    this.tracker = new NextHopTracker(o.nextHopReachable);
    this.local = localPeer(o.config.localAs, o.config.routerId);
    this.peers[0] = this.local;
    const deps = {
      interner: this.interner,
      tracker: this.tracker,
      nextHopSets: this.nextHopSets,
      peers: this.peers,
      config: this.config,
      sink: o.sink,
    };
    const n = o.initialPrefixes ?? 1024;
    this.families.set(Afi.IPV4, new LocRib(Afi.IPV4, deps, n, o.initialPaths ?? n));
    this.families.set(Afi.IPV6, new LocRib(Afi.IPV6, deps, 1024, 1024));
  }

  locRib(afi: number): LocRib {
    const l = this.families.get(afi);
    if (l === undefined) throw new Error(`no Loc-RIB for AFI ${afi}`);
    return l;
  }

  /** Register (or replace the facts of) a peer when its session is Established. */
  addPeer(p: RibPeer): void {
    if (p.index === 0) throw new Error('peer index 0 is the local pseudo-peer');
    this.peers[p.index] = p;
  }

  /** Apply one UPDATE from a peer: withdrawals first, then announcements (RFC 4271 §9). */
  applyUpdate(peer: RibPeer, u: RibUpdate): void {
    if (u.withdrawn) this.withdrawList(peer, u.withdrawn);
    const un = u.attrs.mpUnreach;
    if (un !== undefined && un.safi === Safi.UNICAST) this.withdrawList(peer, un.withdrawn);
    if (u.nlri && u.nlri.count > 0 && u.attrs.nextHop !== undefined) {
      this.announceList(peer, u.nlri, u.attrs, addressBytes(Afi.IPV4, [u.attrs.nextHop]), null);
    }
    const mp = u.attrs.mpReach;
    if (mp !== undefined && mp.safi === Safi.UNICAST && mp.nlri.count > 0) {
      this.announceList(peer, mp.nlri, u.attrs, mp.nextHop, mp.linkLocal);
    }
  }

  private withdrawList(peer: RibPeer, list: PrefixList): void {
    const loc = this.families.get(list.afi);
    if (loc === undefined) return;
    const stride = list.afi === Afi.IPV6 ? 4 : 1;
    for (let i = 0; i < list.count; i++) {
      loc.withdraw(
        peer,
        list.words,
        i * stride,
        list.lengths[i],
        list.pathIds === null ? 0 : list.pathIds[i],
      );
    }
  }

  private announceList(
    peer: RibPeer,
    list: PrefixList,
    received: PathAttributes,
    nextHop: Uint8Array,
    linkLocal: Uint8Array | null,
  ): void {
    const loc = this.families.get(list.afi);
    if (loc === undefined) return;
    const stride = list.afi === Afi.IPV6 ? 4 : 1;
    let attrs = received;
    // RFC 4271 §5.1.5: LOCAL_PREF "received from an external peer ... MUST be ignored".
    if (!peer.ibgp && !peer.local && attrs.localPref !== undefined) {
      attrs = { ...attrs };
      delete attrs.localPref;
    }
    const pre = peer.softReconfigIn ? this.interner.intern(attrs, nextHop, linkLocal) : null;
    const policy = peer.importPolicy;
    const cache = new Map<number, ImportCacheEntry>();
    const resultFor = (index: number): ImportCacheEntry => {
      let e = cache.get(index);
      if (e !== undefined) return e;
      let post: RibAttrs | null = null;
      if (policy === null) {
        // RFC 8212 §3.1: with no import policy, routes from an eBGP peer are not accepted.
        post = peer.ibgp || peer.local ? this.interner.intern(attrs, nextHop, linkLocal) : null;
      } else {
        const r = policy.resultOf(index, attrs);
        if (r !== null)
          post = this.interner.intern(r.attrs, r.nextHop ?? nextHop, r.nextHop ? null : linkLocal);
      }
      e = { post, loops: post === null ? 0 : loopFlags(post, peer, this.config) };
      cache.set(index, e);
      return e;
    };
    for (let i = 0; i < list.count; i++) {
      const off = i * stride;
      const len = list.lengths[i];
      const idx = policy === null ? DEFAULT_STATEMENT : policy.match(list.afi, list.words, off, len, attrs);
      const e = resultFor(idx);
      loc.announce(
        peer,
        list.words,
        off,
        len,
        list.pathIds === null ? 0 : list.pathIds[i],
        e.post,
        pre,
        e.loops,
      );
    }
    for (const e of cache.values()) if (e.post !== null) this.interner.releaseIfUnused(e.post.id);
    if (pre !== null) this.interner.releaseIfUnused(pre.id);
  }

  /** Originate a prefix from the local pseudo-peer (the node's Pod CIDRs, service IPs). */
  originate(p: Prefix, attrs: PathAttributes = { origin: Origin.IGP, asPath: [] }): void {
    const loc = this.locRib(p.afi);
    const a = this.interner.intern(attrs);
    loc.announce(this.local, p.words, 0, p.length, 0, a, null, 0);
    this.interner.releaseIfUnused(a.id);
  }

  withdrawOriginated(p: Prefix): void {
    this.locRib(p.afi).withdraw(this.local, p.words, 0, p.length, 0);
  }

  /** RFC 4724 §4.2: the peer restarted; keep its routes, marked stale. */
  markStale(peer: number, afi: number): void {
    this.locRib(afi).markStale(peer);
  }

  /** End-of-RIB received or the restart timer expired: remove what was not re-announced. */
  sweepStale(peer: number, afi: number): RibJob {
    return this.locRib(afi).sweepStale(peer);
  }

  /** The session went down without graceful restart: remove all its paths in every family. */
  peerDown(peer: number): RibJob {
    const jobs = [...this.families.values()].map((l) => l.peerDown(peer));
    return { run: (budget) => jobs.every((j) => j.run(budget)) };
  }

  /** The FIB reports that reachability of `addr` may have changed: re-decide affected prefixes. */
  nextHopChanged(addr: Uint8Array): RibJob {
    const flipped = this.tracker.recheck(addr, this.interner.sets());
    const jobs = [...this.families.values()].map((l) => l.reevaluate(flipped));
    return { run: (budget) => jobs.every((j) => j.run(budget)) };
  }
}
