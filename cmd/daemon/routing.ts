// The routing owner of the daemon: the RIB (Adj-RIB-In, Loc-RIB, Adj-RIB-Out) and, when routes
// are installed, the kernel side (Fib, NextHopResolver, KernelProjection). The core hands it the
// session layer's messages; it hands back `send` messages for sessions and FIB messages for
// observability. It runs long RIB jobs in slices so keepalives keep flowing.
//
//   session msgs ──peerUp/update/endOfRib/peerDown──▶ Rib ──fib-change──▶ KernelProjection ──▶ Fib ──▶ kernel
//                                                      └──bestChanged──▶ AdjRibOut ──send──▶ deliver()
//   NextHopResolver ──reachability──▶ Rib.nextHopChanged + KernelProjection.nextHopChanged
import type { PodbgpConfig, PeerConfig } from '../../config/schema.ts';
import type { FibChange, SendMessage } from '../../rib/messages.ts';
import type { UpdateMessage } from '../../bgp/wire/types.ts';
import type { NegotiatedSession } from '../../bgp/negotiate.ts';
import { Rib } from '../../rib/rib.ts';
import { AdjRibOut } from '../../rib/adj-rib-out.ts';
import { makePeer, ribConfig, type RibPeer } from '../../rib/peer.ts';
import { formatAddressBytes, parsePrefix, parseAddressBytes } from '../../rib/prefix.ts';
import { runJob } from '../../rib/job.ts';
import { Fib, type FibMessage } from '../../rib/fib/fib.ts';
import { NextHopResolver, type NextHopReachability } from '../../rib/fib/nexthop-resolver.ts';
import { KernelProjection } from '../../rib/fib/projection.ts';
import { routeKey } from '../../rib/fib/route-identity.ts';
import { RtnlClient } from '../../rib/fib/rtnl-client.ts';
import { openNetlink, type NetlinkSocket } from '../../sys/netlink.ts';
import { buildPolicies, peerPolicies } from '../../config/policies.ts';
import { parseIpv4 } from '../../bgp/wire/prefix-text.ts';
import { Safi } from '../../bgp/wire/iana/afi-safi.ts';
import type { Policy } from '../../rib/policy/policy.ts';

export type RoutingMessage = FibMessage | NextHopReachability;

/** rt_protos: kernel (connected), boot, static, ra, dhcp — the routes a BGP next hop resolves over. */
const RESOLVING_PROTOCOLS = [2, 3, 4, 9, 16] as const;

interface PeerEntry {
  readonly index: number;
  rib: RibPeer | null;
  /** Families marked stale after a graceful restart, with the timer that sweeps them. */
  readonly stale: Map<number, NodeJS.Timeout>;
}

export interface RoutingOptions {
  readonly config: PodbgpConfig;
  /** Sends one Adj-RIB-Out message to one peer's session (the core encodes per session). */
  readonly deliver: (peer: string, m: SendMessage) => void;
  readonly emit: (m: RoutingMessage) => void;
}

export class Routing {
  config: PodbgpConfig;
  readonly rib: Rib;
  readonly out: AdjRibOut;
  fib: Fib | null = null;
  resolver: NextHopResolver | null = null;
  rtnl: RtnlClient | null = null;
  private projection: KernelProjection | null = null;
  private sockets: NetlinkSocket[] = [];
  private readonly deliver: RoutingOptions['deliver'];
  private readonly emit: RoutingOptions['emit'];
  private readonly peers = new Map<string, PeerEntry>();
  private readonly byIndex = new Map<number, string>();
  private nextIndex = 1;
  private pollTimer: NodeJS.Timeout | null = null;
  private pollQueued = false;
  private refreshTimer: NodeJS.Timeout | null = null;
  private policies: Map<string, Policy>;
  /** Set by the core while someone watches route changes (the API's event stream). */
  routeChanged: ((m: FibChange) => void) | null = null;
  /**
   * Every next hop the RIB asked about, with the answer it got. The RIB caches that answer per
   * attribute set, and the resolver only reports changes for next hops the kernel projection
   * watches (those of installed routes). A path that arrived while its next hop was unreachable
   * is installed nowhere, so without this list nobody told the RIB when the next hop came back
   * (seen after a link bounce that also reset the session: the routes never returned).
   */
  private readonly ribNextHops = new Map<string, { bytes: Uint8Array; reachable: boolean }>();

  constructor(o: RoutingOptions) {
    const cfg = o.config;
    this.config = cfg;
    this.deliver = o.deliver;
    this.emit = o.emit;
    this.policies = buildPolicies(cfg);
    const routerId = parseIpv4(cfg.routerId);
    this.rib = new Rib({
      config: ribConfig({
        localAs: cfg.asn,
        routerId,
        clusterId: cfg.clusterId === undefined ? routerId : parseIpv4(cfg.clusterId),
        decision: {
          maxPaths: cfg.kernel.ecmpMaxPaths,
          alwaysCompareMed: cfg.bestPath.alwaysCompareMed,
          missingMedWorst: cfg.bestPath.missingMedAsWorst,
          multipathRelax: cfg.bestPath.multipathRelax,
        },
      }),
      // Until the kernel side is up (or when routes are not installed), every next hop counts
      // as reachable; afterwards the resolver answers.
      nextHopReachable: (addr) => this.ribNextHopReachable(addr),
      sink: {
        fibChange: (m) => {
          this.projection?.fibChange(m);
          this.routeChanged?.(m);
        },
        bestChanged: (afi, slot) => {
          this.out.bestChanged(afi, slot);
          this.schedulePoll();
        },
      },
    });
    this.out = new AdjRibOut(this.rib, (m) => this.onSend(m));
  }

  /** Opens the kernel side (when installing routes) and originates the configured prefixes. */
  async start(opts: { holdStartupSweepMs?: number } = {}): Promise<void> {
    const k = this.config.kernel;
    if (k.installRoutes) {
      const cmd = openNetlink({ rcvbuf: 64 << 20, sndbuf: 4 << 20, extAck: true, capAck: true });
      // The next-hop resolver reads the kernel on a socket of its own. An RtnlClient carries one
      // conversation at a time: the resolver's periodic dumps on the Fib's socket read (and
      // dropped) the acks of a Fib batch in flight, and the Fib waited for them forever (seen
      // with a 500k-route feed: 1024 routes installed, then nothing).
      // Strict checking lets the resolver read only the routes that resolve next hops (connected,
      // static...), never our own full table, every time it refreshes.
      const lookups = openNetlink({ rcvbuf: 8 << 20, capAck: true, strictCheck: true });
      const events = openNetlink({ groups: Fib.EVENT_GROUPS, rcvbuf: 16 << 20 });
      this.sockets = [cmd, lookups, events];
      this.rtnl = new RtnlClient(cmd);
      const lookupClient = new RtnlClient(lookups);
      this.resolver = new NextHopResolver(
        lookupClient,
        { ownProtocol: k.protocol, table: k.table, resolvingProtocols: RESOLVING_PROTOCOLS },
        (m) => {
          this.emit(m);
          this.projection?.nextHopChanged(m.address);
          void runJob(this.rib.nextHopChanged(parseAddressBytes(m.address)));
        },
      );
      await this.resolver.refresh();
      const own = k.blackholeOwnPodCidrs
        ? this.config.originate.map(parsePrefix).map((p) => ({
            family: p.afi === 2 ? 10 : 2,
            dst: p.words,
            dstLength: p.length,
          }))
        : [];
      this.fib = new Fib(
        this.rtnl,
        {
          protocol: k.protocol,
          table: k.table,
          metric: k.metric,
          ecmpMaxPaths: k.ecmpMaxPaths,
          blackholeOwnPodCidrs: own,
          reconcileIntervalMs: k.reconcileIntervalSeconds * 1000,
        },
        (m) => this.emit(m),
      );
      // Graceful restart (RFC 4724 §4.1 restarting speaker): routes we installed before the
      // restart stay until peers have sent End-of-RIB (releaseStartupSweep) or the timeout.
      if (opts.holdStartupSweepMs !== undefined) this.fib.holdStartupSweep(opts.holdStartupSweepMs);
      this.projection = new KernelProjection(this.fib, this.resolver);
      await this.fib.start(events);
      // Link and address changes move next-hop reachability: a link going up or down re-resolves
      // at once (ECMP paths through a dead link leave the route without waiting), and the
      // resolver also re-reads the kernel's (non-BGP) routes and links on this period.
      let queued = false;
      this.fib.onLinkChange(() => {
        if (queued) return;
        queued = true;
        setImmediate(() => {
          queued = false;
          void this.refreshNextHops().catch(() => {});
        });
      });
      this.refreshTimer = setInterval(() => void this.refreshNextHops().catch(() => {}), 2000);
      this.refreshTimer.unref();
    }
    for (const cidr of this.config.originate) this.rib.originate(parsePrefix(cidr));
    this.schedulePoll();
  }

  /** The RIB's reachability hook: the resolver's answer, remembered so changes reach the RIB. */
  private ribNextHopReachable(addr: Uint8Array): boolean {
    if (this.resolver === null) return true;
    const reachable = this.resolver.isReachable(addr);
    this.ribNextHops.set(formatAddressBytes(addr), { bytes: addr.slice(), reachable });
    return reachable;
  }

  /** Re-read the kernel; tell the RIB about every next hop it asked about whose answer changed. */
  private async refreshNextHops(): Promise<void> {
    const resolver = this.resolver;
    if (resolver === null) return;
    await resolver.refresh();
    this.projection?.resolverRefreshed();
    for (const w of this.ribNextHops.values()) {
      const reachable = resolver.isReachable(w.bytes);
      if (reachable === w.reachable) continue;
      w.reachable = reachable;
      void runJob(this.rib.nextHopChanged(w.bytes)).then(() => this.schedulePoll());
    }
  }

  /** A reloaded config: policies and peer settings apply from the next peerUp (or soft reset). */
  setConfig(cfg: PodbgpConfig): void {
    this.config = cfg;
    this.policies = buildPolicies(cfg);
  }

  /** From now on RIB changes no longer reach the kernel (shutdown with graceful restart). */
  detachKernel(): void {
    this.projection = null;
  }

  /** Removes every route of ours from the kernel (shutdown without graceful restart). */
  async flushKernel(): Promise<void> {
    const fib = this.fib;
    if (fib === null) return;
    for (const { route } of [...fib.kernelRoutes()]) fib.setDesired(routeKey(route), null);
    await fib.settled();
  }

  /** Routes of ours in the kernel now. */
  get kernelRouteCount(): number {
    return this.fib === null ? 0 : this.fib.kernelRouteCount;
  }

  stop(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const e of this.peers.values()) for (const t of e.stale.values()) clearTimeout(t);
    this.fib?.stop();
    // A Fib pass may still be waiting for the kernel's acks: close the sockets once it ended,
    // not under it (a recv on a closed descriptor threw EBADF and crashed the shutdown).
    const sockets = this.sockets;
    this.sockets = [];
    const close = () => {
      for (const s of sockets) s.close();
    };
    if (this.fib === null) close();
    else void this.fib.settled().then(close, close);
  }

  private entry(address: string): PeerEntry {
    let e = this.peers.get(address);
    if (e === undefined) {
      if (this.nextIndex >= 65536) throw new Error('more than 65535 peers');
      e = { index: this.nextIndex++, rib: null, stale: new Map() };
      this.peers.set(address, e);
      this.byIndex.set(e.index, address);
    }
    return e;
  }

  /** The RIB's dense index of a peer (for the API), or undefined. */
  indexOf(address: string): number | undefined {
    return this.peers.get(address)?.index;
  }

  addressOf(index: number): string | undefined {
    return this.byIndex.get(index);
  }

  /** Session Established: register the peer with its policies and join its update group. */
  peerUp(
    address: string,
    cfg: PeerConfig,
    negotiated: NegotiatedSession,
    opts: { refresh?: boolean } = {},
  ): void {
    const e = this.entry(address);
    const { importPolicy, exportPolicy } = peerPolicies(cfg, this.config, this.policies);
    e.rib = makePeer({
      index: e.index,
      address: parseAddressBytes(address),
      asn: negotiated.remoteAs,
      routerId: negotiated.remoteBgpId,
      localAs: this.config.asn,
      rrClient: cfg.routeReflectorClient,
      allowAsIn: cfg.allowAsIn,
      importPolicy,
      softReconfigIn: false,
    });
    this.rib.addPeer(e.rib);
    // A soft reset out re-sends the table and withdraws what the peer no longer gets.
    const join =
      opts.refresh === true ? this.out.refreshPeer.bind(this.out) : this.out.addPeer.bind(this.out);
    join({
      peer: e.rib,
      exportPolicy,
      ...(cfg.nextHopSelf !== undefined ? { nextHopSelf: cfg.nextHopSelf } : {}),
      ...(cfg.timers.minRouteAdvertisementInterval !== undefined
        ? { mraiMs: cfg.timers.minRouteAdvertisementInterval * 1000 }
        : {}),
    });
    this.pollNow();
  }

  update(address: string, msg: UpdateMessage): void {
    const e = this.peers.get(address);
    if (e?.rib == null) return;
    // RFC 7606 §2 treat-as-withdraw: every NLRI of the UPDATE, in MP_REACH_NLRI too, is withdrawn.
    if (msg.treatAsWithdraw === true) {
      const mp = msg.attrs.mpReach;
      this.rib.applyUpdate(e.rib, { withdrawn: msg.withdrawn, attrs: {}, nlri: null });
      this.rib.applyUpdate(e.rib, { withdrawn: msg.nlri, attrs: {}, nlri: null });
      if (mp !== undefined) {
        this.rib.applyUpdate(e.rib, {
          attrs: { mpUnreach: { afi: mp.afi, safi: mp.safi, withdrawn: mp.nlri } },
        });
      }
      if (msg.attrs.mpUnreach !== undefined)
        this.rib.applyUpdate(e.rib, { attrs: { mpUnreach: msg.attrs.mpUnreach } });
    } else {
      this.rib.applyUpdate(e.rib, msg);
    }
    this.schedulePoll();
  }

  /** RFC 4724 §4.2: End-of-RIB from a restarting peer removes what it did not re-announce. */
  endOfRib(address: string, afi: number, safi: number): void {
    const e = this.peers.get(address);
    if (e === undefined || safi !== Safi.UNICAST) return;
    const t = e.stale.get(afi);
    if (t === undefined) return;
    clearTimeout(t);
    e.stale.delete(afi);
    void runJob(this.rib.sweepStale(e.index, afi)).then(() => this.schedulePoll());
  }

  /**
   * Session left Established. With graceful restart (RFC 4724 §4.2) the peer's routes stay,
   * marked stale, until End-of-RIB or the restart time; otherwise they go now, in slices.
   */
  peerDown(
    address: string,
    gr: { stale: boolean; restartTime: number; families: readonly { afi: number }[] },
  ): void {
    const e = this.peers.get(address);
    if (e === undefined) return;
    this.out.removePeer(e.index);
    if (gr.stale && gr.families.length > 0) {
      for (const { afi } of gr.families) {
        const old = e.stale.get(afi);
        if (old) clearTimeout(old);
        this.rib.markStale(e.index, afi);
        const t = setTimeout(() => {
          e.stale.delete(afi);
          void runJob(this.rib.sweepStale(e.index, afi)).then(() => this.schedulePoll());
        }, gr.restartTime * 1000);
        t.unref();
        e.stale.set(afi, t);
      }
      return;
    }
    for (const t of e.stale.values()) clearTimeout(t);
    e.stale.clear();
    void runJob(this.rib.peerDown(e.index)).then(() => this.schedulePoll());
  }

  originate(cidr: string): void {
    this.rib.originate(parsePrefix(cidr));
    this.schedulePoll();
  }

  withdrawOriginated(cidr: string): void {
    this.rib.withdrawOriginated(parsePrefix(cidr));
    this.schedulePoll();
  }

  private onSend(m: SendMessage): void {
    if (m.peer !== undefined) {
      const a = this.byIndex.get(m.peer);
      if (a !== undefined) this.deliver(a, m);
      return;
    }
    for (const [address, e] of this.peers) {
      if (e.rib !== null && this.out.groupOf(e.index) === m.group) this.deliver(address, m);
    }
  }

  /** Run the Adj-RIB-Out now (after a peer joined: its initial table goes out at once). */
  pollNow(): void {
    const now = Date.now();
    const next = this.out.poll(now);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = Number.isFinite(next) ? setTimeout(() => this.pollNow(), Math.max(0, next - now)) : null;
  }

  /** Coalesce the changes of this turn of the event loop into one Adj-RIB-Out run. */
  private schedulePoll(): void {
    if (this.pollQueued) return;
    this.pollQueued = true;
    setImmediate(() => {
      this.pollQueued = false;
      this.pollNow();
    });
  }
}
