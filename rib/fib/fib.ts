// The Fib owner: keeps the kernel routing table a projection of the Loc-RIB. In: setDesired()
// calls from the RIB's fib-change messages, kernel route/link events (a second netlink socket),
// a periodic timer. Out: rtnetlink changes through RtnlClient, and typed messages
// ({kind: 'fib-installed' | 'fib-removed' | 'fib-failed' | 'fib-reconciled'}) for metrics, logs and
// the CLI. Reconciliation compares wanted routes with the kernel's routes of our protocol and
// changes only the difference: a route that is already right is never touched, routes of other
// protocols (FRR/BIRD's 186, static, kernel) are never touched at all.
import type { NetlinkSocket } from '../../sys/netlink.ts';
import { SysError } from '../../sys/netlink.ts';
import type { DecodedRoute, KernelNextHop, KernelRoute } from './route-message.ts';
import { decodeRoute } from './route-message.ts';
import type { FibKey } from './route-identity.ts';
import { formatPrefix, routeKey, routeSatisfies } from './route-identity.ts';
import type { RouteOp, RtnlClient } from './rtnl-client.ts';
import { yieldToEventLoop } from './rtnl-client.ts';
import { decodeLink, linkIsUp } from './link-message.ts';
import type { NlMessage } from './nlmsg.ts';
import { messages } from './nlmsg.ts';
import { AddressFamily, RtTable, RtmType, Rtn } from './rtnetlink-constants.ts';

/**
 * Default routing protocol number (rtm_protocol) of podbgp's kernel routes: 201. Not 186, which
 * iproute2 names 'bgp' and which FRR and BIRD use, and none of 187-198, which FRR's
 * /etc/iproute2/rt_protos.d/frr.conf claims (isis ... 196 'static' for staticd, 197 openfabric,
 * 198 srte). With a number of its own, reconciliation can remove "routes of our protocol the RIB
 * does not want" without ever deleting a route another daemon installed. Operators can name it in
 * rt_protos.d (`201 podbgp`).
 */
export const DEFAULT_KERNEL_PROTOCOL = 201;

export interface FibConfig {
  protocol: number;
  table: number;
  /** RTA_PRIORITY for every route. Not 0: the kernel turns an IPv6 metric of 0 into 1024. */
  metric: number;
  /** At most this many next hops per route (the RIB's multipath width). */
  ecmpMaxPaths: number;
  /** Prefixes of this node's own Pod CIDRs to cover with a blackhole/unreachable route. */
  blackholeOwnPodCidrs: readonly { family: number; dst: readonly number[]; dstLength: number }[];
  blackholeType: 'blackhole' | 'unreachable';
  /** Full reconcile period; catches IPv4 routes the kernel dropped silently on link down. */
  reconcileIntervalMs: number;
}

export const DEFAULT_FIB_CONFIG: FibConfig = {
  protocol: DEFAULT_KERNEL_PROTOCOL,
  table: RtTable.MAIN,
  metric: 20,
  ecmpMaxPaths: 8,
  blackholeOwnPodCidrs: [],
  blackholeType: 'blackhole',
  reconcileIntervalMs: 60_000,
};

/** What the RIB asks for: a destination and its next hops (or a blackhole/unreachable type). */
export interface DesiredRoute {
  readonly family: number;
  readonly dst: readonly number[];
  readonly dstLength: number;
  /** Rtn.UNICAST (default), Rtn.BLACKHOLE, Rtn.UNREACHABLE. */
  readonly type?: number;
  readonly nextHops: readonly KernelNextHop[];
}

export type FibMessage =
  | {
      readonly kind: 'fib-installed';
      readonly key: FibKey;
      readonly prefix: string;
      readonly route: KernelRoute;
    }
  | { readonly kind: 'fib-removed'; readonly key: FibKey; readonly prefix: string }
  | {
      readonly kind: 'fib-failed';
      readonly key: FibKey;
      readonly prefix: string;
      readonly op: 'replace' | 'delete';
      readonly errno: number;
      readonly message: string;
    }
  | {
      readonly kind: 'fib-reconciled';
      readonly full: boolean;
      readonly installed: number;
      readonly removed: number;
      readonly failed: number;
      readonly unchanged: number;
      readonly durationMs: number;
    };

export interface ReconcileStats {
  installed: number;
  removed: number;
  failed: number;
  unchanged: number;
}

const SLICE_MS = 8;
const RTMGRP_LINK = 0x1;
const RTMGRP_IPV4_ROUTE = 0x40;
const RTMGRP_IPV6_ROUTE = 0x400;

export class Fib {
  readonly config: FibConfig;
  private readonly rtnl: RtnlClient;
  private readonly emit: (m: FibMessage) => void;
  /** What the RIB wants, already stamped with our table/protocol/metric. */
  private readonly desired = new Map<FibKey, KernelRoute>();
  /** What we believe the kernel has of our protocol and table (one route per key). */
  private readonly kernel = new Map<FibKey, KernelRoute>();
  /** Keys to look at in the next incremental pass. */
  private dirty = new Set<FibKey>();
  private readonly failures = new Map<FibKey, { errno: number; message: string }>();
  private sweepHolds = 0;
  private sweepTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private fullPending = false;
  private flushScheduled = false;
  private periodic: NodeJS.Timeout | null = null;
  private events: NetlinkSocket | null = null;
  private readonly linkUp = new Map<number, boolean>();
  private stopped = false;

  constructor(rtnl: RtnlClient, config: Partial<FibConfig>, emit: (m: FibMessage) => void = () => {}) {
    this.rtnl = rtnl;
    this.config = { ...DEFAULT_FIB_CONFIG, ...config };
    this.emit = emit;
    const type = this.config.blackholeType === 'blackhole' ? Rtn.BLACKHOLE : Rtn.UNREACHABLE;
    for (const p of this.config.blackholeOwnPodCidrs) {
      const r = this.stamp({ ...p, type, nextHops: [] });
      this.desired.set(routeKey(r), r);
    }
  }

  /** The kernel form of a wanted route: our table, protocol and metric; ECMP width applied. */
  private stamp(d: DesiredRoute): KernelRoute {
    const type = d.type ?? Rtn.UNICAST;
    return {
      family: d.family,
      dst: d.dst,
      dstLength: d.dstLength,
      table: this.config.table,
      protocol: this.config.protocol,
      priority: this.config.metric,
      type,
      nextHops: type === Rtn.UNICAST ? d.nextHops.slice(0, this.config.ecmpMaxPaths) : [],
    };
  }

  /** The RIB's fib-change: route null withdraws. Applied in the next incremental pass. */
  setDesired(key: FibKey, route: DesiredRoute | null): void {
    if (route) this.desired.set(key, this.stamp(route));
    else this.desired.delete(key);
    this.dirty.add(key);
    this.scheduleFlush();
  }

  /**
   * Graceful restart (RFC 4724): while held, reconciliation installs and corrects wanted routes
   * but removes nothing, so routes from before a restart keep forwarding until the peers' End-of-RIB.
   * Each hold is released by releaseStartupSweep() or after timeoutMs.
   */
  holdStartupSweep(timeoutMs = 120_000): void {
    this.sweepHolds++;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = setTimeout(() => {
      this.sweepHolds = 0;
      this.requestFull();
    }, timeoutMs);
    this.sweepTimer.unref();
  }

  releaseStartupSweep(): void {
    if (this.sweepHolds === 0) return;
    this.sweepHolds--;
    if (this.sweepHolds === 0) {
      if (this.sweepTimer) clearTimeout(this.sweepTimer);
      this.sweepTimer = null;
      this.requestFull();
    }
  }

  get sweepHeld(): boolean {
    return this.sweepHolds > 0;
  }

  /** First full reconcile, then watch kernel events on `events` and reconcile periodically. */
  async start(events: NetlinkSocket | null): Promise<void> {
    this.events = events;
    if (events) {
      for (const l of await this.rtnl.dumpLinks()) this.linkUp.set(l.ifindex, linkIsUp(l));
      void this.watch(events);
    }
    await this.reconcile();
    this.periodic = setInterval(() => this.requestFull(), this.config.reconcileIntervalMs);
    this.periodic.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.periodic) clearInterval(this.periodic);
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.events?.close();
  }

  /** Groups a watcher socket must bind to (legacy RTMGRP_* mask). */
  static readonly EVENT_GROUPS = RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;

  /** Routes we hold in the kernel, and whether each matches what the RIB wants (for the CLI). */
  *kernelRoutes(): Generator<{ route: KernelRoute; matchesRib: boolean }> {
    for (const [key, route] of this.kernel) {
      const want = this.desired.get(key);
      yield { route, matchesRib: want !== undefined && routeSatisfies(want, route) };
    }
  }

  failureOf(key: FibKey): { errno: number; message: string } | undefined {
    return this.failures.get(key);
  }

  /** Full reconcile now (or right after the one running). Resolves when it has run. */
  reconcile(): Promise<void> {
    this.fullPending = true;
    return this.pump();
  }

  private requestFull(): void {
    if (this.stopped) return;
    this.fullPending = true;
    void this.pump();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.stopped) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.pump();
    });
  }

  /** Wait for the pass in progress, if any. */
  async settled(): Promise<void> {
    while (this.running || this.flushScheduled) {
      if (this.running) await this.running;
      else await yieldToEventLoop();
    }
  }

  /** Run passes one at a time until no work is left. */
  private pump(): Promise<void> {
    if (this.running)
      return this.running.then(() => (this.fullPending || this.dirty.size ? this.pump() : undefined));
    const run = async (): Promise<void> => {
      while (!this.stopped && (this.fullPending || this.dirty.size > 0)) {
        if (this.fullPending) {
          this.fullPending = false;
          this.dirty = new Set();
          await this.fullPass();
        } else {
          const keys = this.dirty;
          this.dirty = new Set();
          await this.incrementalPass(keys);
        }
      }
    };
    // .finally runs as a microtask, after the assignment: `running` never sticks to a settled promise.
    this.running = run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Dump our protocol's routes, rebuild the kernel view, and fix every difference. */
  private async fullPass(): Promise<void> {
    const t0 = performance.now();
    const { table, protocol, metric } = this.config;
    const dumped: DecodedRoute[] = [];
    for (const family of [AddressFamily.INET, AddressFamily.INET6]) {
      for (const r of await this.rtnl.dumpRoutes(family, { table, protocol })) dumped.push(r);
    }
    this.kernel.clear();
    const ops: RouteOp[] = [];
    const stale: RouteOp[] = [];
    let sliceStart = performance.now();
    for (let i = 0; i < dumped.length; i++) {
      const r = dumped[i];
      const key = routeKey(r);
      // A route of ours with another metric (an old config) is stale even when its prefix is wanted.
      if (r.priority === metric && this.desired.has(key) && !this.kernel.has(key)) this.kernel.set(key, r);
      else if (r.priority !== metric || !this.desired.has(key)) stale.push({ op: 'delete', route: r });
      if ((i & 1023) === 0 && performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    let unchanged = 0;
    for (const [key, want] of this.desired) {
      const have = this.kernel.get(key);
      if (have && routeSatisfies(want, have)) unchanged++;
      else ops.push({ op: 'replace', route: want });
      if ((ops.length & 1023) === 0 && performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    // Install first, then remove: a prefix moving to a new metric never has a gap. While the
    // startup sweep is held (graceful restart), nothing is removed.
    if (this.sweepHolds === 0) for (const op of stale) ops.push(op);
    const stats = await this.apply(ops);
    this.emit({
      kind: 'fib-reconciled',
      full: true,
      ...stats,
      unchanged,
      durationMs: performance.now() - t0,
    });
  }

  /** Look at a few keys only: compare wanted with our kernel view and fix the difference. */
  private async incrementalPass(keys: Set<FibKey>): Promise<void> {
    const t0 = performance.now();
    const ops: RouteOp[] = [];
    let unchanged = 0;
    let sliceStart = performance.now();
    let n = 0;
    for (const key of keys) {
      // A full table's worth of fib-changes arrives as one pass: keep keepalives flowing.
      if ((++n & 1023) === 0 && performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
      const want = this.desired.get(key);
      const have = this.kernel.get(key);
      if (want) {
        if (have && routeSatisfies(want, have)) unchanged++;
        else ops.push({ op: 'replace', route: want });
      } else if (have && this.sweepHolds === 0) {
        ops.push({ op: 'delete', route: have });
      }
    }
    if (ops.length === 0) return;
    const stats = await this.apply(ops);
    this.emit({
      kind: 'fib-reconciled',
      full: false,
      ...stats,
      unchanged,
      durationMs: performance.now() - t0,
    });
  }

  private async apply(ops: RouteOp[]): Promise<Omit<ReconcileStats, 'unchanged'>> {
    if (ops.length === 0) return { installed: 0, removed: 0, failed: 0 };
    const result = await this.rtnl.applyBatch(ops);
    const failedAt = new Set<number>();
    for (const f of result.failures) {
      failedAt.add(f.index);
      const { op, route } = ops[f.index];
      const key = routeKey(route);
      this.failures.set(key, { errno: f.errno, message: f.message });
      this.emit({
        kind: 'fib-failed',
        key,
        prefix: formatPrefix(route),
        op,
        errno: f.errno,
        message: f.message,
      });
    }
    let installed = 0;
    let removed = 0;
    let sliceStart = performance.now();
    for (let i = 0; i < ops.length; i++) {
      if ((i & 1023) === 1023 && performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
      if (failedAt.has(i)) continue;
      const { op, route } = ops[i];
      const key = routeKey(route);
      if (op === 'replace') {
        this.kernel.set(key, route);
        this.failures.delete(key);
        installed++;
        this.emit({ kind: 'fib-installed', key, prefix: formatPrefix(route), route });
      } else {
        if (this.kernel.get(key) === route) this.kernel.delete(key);
        removed++;
        this.emit({ kind: 'fib-removed', key, prefix: formatPrefix(route) });
      }
    }
    // Lost error acks: the kernel's table is the only truth left; read it again.
    if (result.overrun) this.fullPending = true;
    return { installed, removed, failed: result.failures.length };
  }

  /** Read route and link events until stopped; turn them into dirty keys or a full pass. */
  private async watch(sock: NetlinkSocket): Promise<void> {
    const rx = Buffer.alloc(1 << 16);
    while (!this.stopped && !sock.isClosed) {
      let n: number;
      try {
        n = sock.recvInto(rx);
      } catch (e) {
        // ENOBUFS: events were dropped while we were busy; the kernel table must be re-read.
        if (e instanceof SysError) {
          this.requestFull();
          continue;
        }
        throw e;
      }
      if (n < 0) {
        await sock.waitReadable(1000);
        continue;
      }
      for (const m of messages(rx, n)) this.onEvent(m);
    }
  }

  private onEvent(m: NlMessage): void {
    if (m.type === RtmType.NEWLINK || m.type === RtmType.DELLINK) {
      const link = decodeLink(m);
      const up = m.type === RtmType.NEWLINK && linkIsUp(link);
      const was = this.linkUp.get(link.ifindex) ?? false;
      this.linkUp.set(link.ifindex, up);
      // The kernel drops IPv4 routes through a link that goes down without telling anyone:
      // when a link comes (back) up, re-read the table and put back what is missing.
      if (up && !was) this.requestFull();
      return;
    }
    if (m.type !== RtmType.NEWROUTE && m.type !== RtmType.DELROUTE) return;
    const r = decodeRoute(m);
    if (r.protocol !== this.config.protocol || r.table !== this.config.table) return;
    const key = routeKey(r);
    const have = this.kernel.get(key);
    if (m.type === RtmType.DELROUTE) {
      if (r.priority !== this.config.metric) return;
      this.kernel.delete(key);
      if (this.desired.has(key)) {
        this.dirty.add(key);
        this.scheduleFlush();
      }
    } else if (!have || !routeSatisfies(have, r)) {
      // Someone else changed a route of ours (or it is our own change echoed): check the key.
      const want = this.desired.get(key);
      if (want && routeSatisfies(want, r)) {
        this.kernel.set(key, want);
      } else {
        if (r.priority === this.config.metric) this.kernel.set(key, r);
        else this.fullPending = true;
        this.dirty.add(key);
        this.scheduleFlush();
      }
    }
  }
}
