// The Fib owner: keeps the kernel routing table a projection of the Loc-RIB. In: setDesired()
// calls from the RIB's fib-change messages, kernel route/link events (a second netlink socket),
// a periodic timer. Out: rtnetlink changes through RtnlClient, and typed messages
// ({kind: 'fib-installed' | 'fib-removed' | 'fib-batch' | 'fib-failed' | 'fib-reconciled'}) for
// metrics, logs and the CLI. Reconciliation compares wanted routes with the kernel's routes of our protocol and
// changes only the difference: a route that is already right is never touched, routes of other
// protocols (FRR/BIRD's 186, static, kernel) are never touched at all.
//
// State is compact (FibTable columns of RouteShapes ids per prefix slot, a typed-array dirty queue),
// so a million routes are a few typed arrays, and a pass diffs and batches without a route object.
import type { NetlinkSocket } from '../../sys/netlink.ts';
import { SysError } from '../../sys/netlink.ts';
import type { DecodedRoute, KernelNextHop, KernelRoute } from './route-message.ts';
import { RouteEventView, decodeRoute } from './route-message.ts';
import type { FibKey } from './route-identity.ts';
import { formatPrefix, nextHopsSatisfy, routeKey } from './route-identity.ts';
import type { RtnlClient } from './rtnl-client.ts';
import { yieldToEventLoop } from './rtnl-client.ts';
import { FibOps } from './fib-batch.ts';
import { FibTable, parseFibKey } from './fib-table.ts';
import { RouteShapes } from './route-shapes.ts';
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
      /**
       * Instead of one fib-installed/fib-removed per route when a pass changed more than
       * PER_ROUTE_MESSAGES routes: the counts, and the keys of routes that had failed before and
       * are now right (so failure gauges can drop them). Also sent with zero counts when routes
       * recovered without a change (wanted again as the kernel still had them).
       */
      readonly kind: 'fib-batch';
      readonly installed: number;
      readonly removed: number;
      readonly recovered: readonly FibKey[];
    }
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
/** A pass changing at most this many routes reports each one; a bigger one sends one fib-batch. */
export const PER_ROUTE_MESSAGES = 1024;
const RTMGRP_LINK = 0x1;
const RTMGRP_IPV4_ROUTE = 0x40;
const RTMGRP_IPV6_ROUTE = 0x400;

export class Fib {
  readonly config: FibConfig;
  private readonly rtnl: RtnlClient;
  private readonly emit: (m: FibMessage) => void;
  /** Next hops and types shared by many routes; the tables hold their ids. */
  private readonly shapes = new RouteShapes();
  /** Per family (index = family bit: IPv4, IPv6): wanted and kernel views as columns per prefix. */
  private readonly tables: readonly [FibTable, FibTable] = [
    new FibTable(AddressFamily.INET),
    new FibTable(AddressFamily.INET6),
  ];
  /** Slots to look at in the next incremental pass: entries slot << 1 | family bit. */
  private dirty = new Int32Array(1024);
  private dirtyCount = 0;
  /** Routes of ours we believe are in the kernel. */
  private kernelCount = 0;
  private readonly failures = new Map<FibKey, { errno: number; message: string }>();
  private readonly oneWord = [0];
  private readonly eventView = new RouteEventView();
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
    // Wanted from the start; the first full reconcile installs them.
    for (const p of this.config.blackholeOwnPodCidrs) {
      const t = this.tableOf(p.family);
      const slot = t.insert(p.dst, p.dstLength);
      const old = t.want[slot];
      t.want[slot] = this.shapes.acquire(type, [], 0);
      this.shapes.release(old);
    }
  }

  private tableOf(family: number): FibTable {
    return this.tables[family === AddressFamily.INET ? 0 : 1];
  }

  /** The RIB's fib-change: route null withdraws. Applied in the next incremental pass. */
  setDesired(key: FibKey, route: DesiredRoute | null): void {
    let t: FibTable;
    let slot: number;
    if (route !== null) {
      t = this.tableOf(route.family);
      slot = t.insert(route.dst, route.dstLength);
      const type = route.type ?? Rtn.UNICAST;
      const hops = route.nextHops;
      const count = type === Rtn.UNICAST ? Math.min(hops.length, this.config.ecmpMaxPaths) : 0;
      const old = t.want[slot];
      t.want[slot] = this.shapes.acquire(type, hops, count);
      this.shapes.release(old);
    } else {
      if (typeof key === 'number') {
        // IPv4 key: address * 64 + length (fibKey).
        const len = key % 64;
        this.oneWord[0] = (key - len) / 64;
        t = this.tables[0];
        slot = t.find(this.oneWord, len);
      } else {
        const p = parseFibKey(key);
        t = this.tables[1];
        slot = t.find(p.dst, p.dstLength);
      }
      if (slot < 0) return; // never wanted, not in the kernel: nothing to do
      this.shapes.release(t.want[slot]);
      t.want[slot] = 0;
    }
    this.enqueue(t, slot);
    this.scheduleFlush();
  }

  private enqueue(t: FibTable, slot: number): void {
    if (t.queued[slot] === 1) return;
    t.queued[slot] = 1;
    if (this.dirtyCount === this.dirty.length) {
      const grown = new Int32Array(this.dirty.length * 2);
      grown.set(this.dirty);
      this.dirty = grown;
    }
    this.dirty[this.dirtyCount++] = (slot << 1) | t.familyBit;
  }

  /** Set the kernel view of a slot, keeping the route count; takes over the caller's reference. */
  private setKernel(t: FibTable, slot: number, shape: number): void {
    const old = t.kernel[slot];
    if (old === 0 && shape !== 0) this.kernelCount++;
    else if (old !== 0 && shape === 0) this.kernelCount--;
    t.kernel[slot] = shape;
    this.shapes.release(old);
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

  private readonly linkListeners: ((ifindex: number, up: boolean) => void)[] = [];

  /**
   * Calls fn when a link goes up or down (seen on the event socket given to start()): next-hop
   * reachability follows links, so the owner can re-resolve at once instead of on its timer.
   */
  onLinkChange(fn: (ifindex: number, up: boolean) => void): void {
    this.linkListeners.push(fn);
  }

  /** Groups a watcher socket must bind to (legacy RTMGRP_* mask). */
  static readonly EVENT_GROUPS = RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;

  /** Routes we hold in the kernel, and whether each matches what the RIB wants (for the CLI). */
  *kernelRoutes(): Generator<{ route: KernelRoute; matchesRib: boolean }> {
    for (const t of this.tables) {
      for (let slot = 0; slot < t.slotLimit; slot++) {
        if (!t.has(slot) || t.kernel[slot] === 0) continue;
        const have = t.kernel[slot];
        yield { route: this.routeOf(t, slot, have), matchesRib: this.shapes.satisfies(t.want[slot], have) };
      }
    }
  }

  /**
   * Every route the RIB wants or we hold in the kernel, with how the two compare: 'yes' (in the
   * kernel as wanted), 'no' (in the kernel, different), 'missing' (wanted, not in the kernel:
   * failed or not yet applied), 'extra' (ours in the kernel, not wanted: not yet removed, or
   * held by a graceful-restart startup sweep). For the CLI; not on the hot path.
   */
  *routeViews(): Generator<{ route: KernelRoute; match: 'yes' | 'no' | 'missing' | 'extra' }> {
    for (const t of this.tables) {
      for (let slot = 0; slot < t.slotLimit; slot++) {
        if (!t.has(slot)) continue;
        const want = t.want[slot];
        const have = t.kernel[slot];
        if (want === 0 && have === 0) continue;
        if (have === 0) yield { route: this.routeOf(t, slot, want), match: 'missing' };
        else if (want === 0) yield { route: this.routeOf(t, slot, have), match: 'extra' };
        else
          yield {
            route: this.routeOf(t, slot, have),
            match: this.shapes.satisfies(want, have) ? 'yes' : 'no',
          };
      }
    }
  }

  /** How many routes of ours are in the kernel (as kernelRoutes() would count them). */
  get kernelRouteCount(): number {
    return this.kernelCount;
  }

  failureOf(key: FibKey): { errno: number; message: string } | undefined {
    return this.failures.get(key);
  }

  /** A KernelRoute built from a slot and a shape (for messages and the CLI; not on the hot path). */
  private routeOf(t: FibTable, slot: number, shape: number): KernelRoute {
    const s = this.shapes.get(shape);
    return {
      family: t.family,
      dst: t.dst(slot),
      dstLength: t.dstLength(slot),
      table: this.config.table,
      protocol: this.config.protocol,
      priority: this.config.metric,
      type: s.type,
      nextHops: s.nextHops,
    };
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
      return this.running.then(() => (this.fullPending || this.dirtyCount > 0 ? this.pump() : undefined));
    const run = async (): Promise<void> => {
      while (!this.stopped && (this.fullPending || this.dirtyCount > 0)) {
        if (this.fullPending) {
          this.fullPending = false;
          await this.fullPass();
        } else {
          await this.incrementalPass();
        }
      }
    };
    // .finally runs as a microtask, after the assignment: `running` never sticks to a settled promise.
    this.running = run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * Take the dirty queue for a pass to work through. The slots keep their queued flag until the
   * pass looks at them, so a change meanwhile to a slot still ahead in this pass is not queued twice.
   */
  private takeDirty(): { entries: Int32Array; count: number } {
    const entries = this.dirty;
    const count = this.dirtyCount;
    this.dirty = new Int32Array(Math.max(1024, Math.min(count, 1 << 16)));
    this.dirtyCount = 0;
    return { entries, count };
  }

  /** Dump our protocol's routes, rebuild the kernel view, and fix every difference. */
  private async fullPass(): Promise<void> {
    const t0 = performance.now();
    const { table, protocol, metric } = this.config;
    const dumped: DecodedRoute[] = [];
    for (const family of [AddressFamily.INET, AddressFamily.INET6]) {
      for (const r of await this.rtnl.dumpRoutes(family, { table, protocol })) dumped.push(r);
    }
    // Every slot is looked at below, queued or not; slots nothing refers to any more are dropped.
    this.takeDirty();
    let sliceStart = performance.now();
    for (const t of this.tables) {
      for (let slot = 0; slot < t.slotLimit; slot++) {
        if (!t.has(slot)) continue;
        t.queued[slot] = 0;
        this.setKernel(t, slot, 0);
        t.dropIfUnused(slot);
        if ((slot & 4095) === 0 && performance.now() - sliceStart > SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    }
    const ops = new FibOps(this.tables, this.shapes, this.config);
    for (let i = 0; i < dumped.length; i++) {
      const r = dumped[i];
      const t = this.tableOf(r.family);
      const slot = t.find(r.dst, r.dstLength);
      const wanted = slot >= 0 && t.want[slot] !== 0;
      // A route of ours with another metric (an old config) is stale even when its prefix is wanted.
      if (r.priority === metric && wanted && t.kernel[slot] === 0) {
        const n = r.type === Rtn.UNICAST ? r.nextHops.length : 0;
        this.setKernel(t, slot, this.shapes.acquire(r.type, r.nextHops, n));
      } else if (r.priority !== metric || !wanted) ops.stale.push(r);
      if ((i & 1023) === 0 && performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    let unchanged = 0;
    for (const t of this.tables) {
      for (let slot = 0; slot < t.slotLimit; slot++) {
        if (!t.has(slot) || t.want[slot] === 0) continue;
        const want = t.want[slot];
        if (this.shapes.satisfies(want, t.kernel[slot])) unchanged++;
        else ops.add((slot << 1) | t.familyBit, this.shapes.ref(want), false);
        if ((slot & 1023) === 0 && performance.now() - sliceStart > SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    }
    // Install first, then remove: a prefix moving to a new metric never has a gap. While the
    // startup sweep is held (graceful restart), nothing is removed.
    if (this.sweepHolds > 0) ops.stale.length = 0;
    const stats = await this.apply(ops);
    this.emit({
      kind: 'fib-reconciled',
      full: true,
      ...stats,
      unchanged,
      durationMs: performance.now() - t0,
    });
  }

  /** Look at the queued slots only: compare wanted with our kernel view and fix the difference. */
  private async incrementalPass(): Promise<void> {
    const t0 = performance.now();
    const { entries, count } = this.takeDirty();
    const ops = new FibOps(this.tables, this.shapes, this.config);
    const recovered: FibKey[] = [];
    let unchanged = 0;
    let sliceStart = performance.now();
    for (let i = 0; i < count; i++) {
      // A full table's worth of fib-changes arrives as one pass: keep keepalives flowing.
      if ((i & 1023) === 1023 && performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
      const e = entries[i];
      const t = this.tables[e & 1];
      const slot = e >>> 1;
      if (!t.has(slot)) continue;
      t.queued[slot] = 0;
      const want = t.want[slot];
      const have = t.kernel[slot];
      if (want !== 0) {
        if (this.shapes.satisfies(want, have)) {
          unchanged++;
          // Wanted again as the kernel still has it (e.g. after a refused replace): no longer failing.
          if (this.failures.size > 0 && this.failures.delete(t.keyOf(slot))) recovered.push(t.keyOf(slot));
        } else ops.add(e, this.shapes.ref(want), false);
      } else if (have !== 0 && this.sweepHolds === 0) {
        ops.add(e, this.shapes.ref(have), true);
      } else t.dropIfUnused(slot);
    }
    if (ops.length === 0) {
      if (recovered.length > 0) this.emit({ kind: 'fib-batch', installed: 0, removed: 0, recovered });
      return;
    }
    const stats = await this.apply(ops, recovered);
    this.emit({
      kind: 'fib-reconciled',
      full: false,
      ...stats,
      unchanged,
      durationMs: performance.now() - t0,
    });
  }

  /** Send the operations, then bring the kernel view up to date and report what happened. */
  private async apply(ops: FibOps, recovered: FibKey[] = []): Promise<Omit<ReconcileStats, 'unchanged'>> {
    if (ops.length === 0) return { installed: 0, removed: 0, failed: 0 };
    const result = await this.rtnl.applyRouteBatch(ops);
    const failedAt = new Uint8Array(ops.length);
    for (const f of result.failures) {
      failedAt[f.index] = 1;
      const isDelete = ops.isDelete(f.index);
      let key: FibKey;
      let prefix: string;
      if (f.index < ops.count) {
        const e = ops.entry[f.index];
        const t = this.tables[e & 1];
        key = t.keyOf(e >>> 1);
        prefix = t.prefixText(e >>> 1);
      } else {
        const r = ops.stale[f.index - ops.count];
        key = routeKey(r);
        prefix = formatPrefix(r);
      }
      this.failures.set(key, { errno: f.errno, message: f.message });
      this.emit({
        kind: 'fib-failed',
        key,
        prefix,
        op: isDelete ? 'delete' : 'replace',
        errno: f.errno,
        message: f.message,
      });
    }
    const perRoute = ops.length - result.failures.length <= PER_ROUTE_MESSAGES;
    let installed = 0;
    let removed = 0;
    let sliceStart = performance.now();
    for (let i = 0; i < ops.count; i++) {
      if ((i & 1023) === 1023 && performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
      const shape = ops.shape[i];
      if (failedAt[i] === 1) {
        this.shapes.release(shape);
        continue;
      }
      const e = ops.entry[i];
      const t = this.tables[e & 1];
      const slot = e >>> 1;
      const key = perRoute || this.failures.size > 0 ? t.keyOf(slot) : 0;
      if (this.failures.size > 0 && this.failures.delete(key) && !perRoute) recovered.push(key);
      if (ops.del[i] === 0) {
        this.setKernel(t, slot, shape); // the op's reference becomes the kernel view's
        installed++;
        if (perRoute)
          this.emit({
            kind: 'fib-installed',
            key,
            prefix: t.prefixText(slot),
            route: this.routeOf(t, slot, shape),
          });
      } else {
        if (t.kernel[slot] === shape) this.setKernel(t, slot, 0);
        this.shapes.release(shape);
        removed++;
        if (perRoute) this.emit({ kind: 'fib-removed', key, prefix: t.prefixText(slot) });
        t.dropIfUnused(slot);
      }
    }
    for (let i = 0; i < ops.stale.length; i++) {
      if (failedAt[ops.count + i] === 1) continue;
      removed++;
      const r = ops.stale[i];
      if (perRoute) this.emit({ kind: 'fib-removed', key: routeKey(r), prefix: formatPrefix(r) });
    }
    if (perRoute && recovered.length > 0)
      this.emit({ kind: 'fib-batch', installed: 0, removed: 0, recovered });
    else if (!perRoute && installed + removed + recovered.length > 0)
      this.emit({ kind: 'fib-batch', installed, removed, recovered });
    // Lost error acks: the kernel's table is the only truth left; read it again.
    if (result.overrun) this.fullPending = true;
    return { installed, removed, failed: result.failures.length };
  }

  /** Read route and link events until stopped; turn them into dirty slots or a full pass. */
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
      if (up !== was) for (const fn of this.linkListeners) fn(link.ifindex, up);
      // The kernel drops IPv4 routes through a link that goes down without telling anyone:
      // when a link comes (back) up, re-read the table and put back what is missing.
      if (up && !was) this.requestFull();
      return;
    }
    if (m.type !== RtmType.NEWROUTE && m.type !== RtmType.DELROUTE) return;
    const v = this.eventView;
    v.read(m);
    if (v.protocol !== this.config.protocol || v.table !== this.config.table) return;
    if (v.family !== AddressFamily.INET && v.family !== AddressFamily.INET6) return;
    const t = this.tableOf(v.family);
    let slot = t.find(v.dst, v.dstLength);
    const ours = v.priority === this.config.metric;
    if (m.type === RtmType.DELROUTE) {
      if (!ours || slot < 0) return;
      this.setKernel(t, slot, 0);
      if (t.want[slot] !== 0) {
        this.enqueue(t, slot);
        this.scheduleFlush();
      } else t.dropIfUnused(slot);
      return;
    }
    // Our own change echoed back, or a route that is already what we believe: nothing to do.
    // Checked on the raw message first: a full table's echoes allocate nothing.
    const have = slot >= 0 ? t.kernel[slot] : 0;
    if (have !== 0 && ours && this.echoMatches(have, v)) return;
    // Our install echoed before the batch's bookkeeping ran (or what we want anyway): record it.
    const want = slot >= 0 ? t.want[slot] : 0;
    if (want !== 0 && ours && this.echoMatches(want, v)) {
      this.setKernel(t, slot, this.shapes.ref(want));
      return;
    }
    const r = decodeRoute(m);
    const hops = r.type === Rtn.UNICAST ? r.nextHops : [];
    if (have !== 0 && ours && this.shapeSatisfiedBy(have, r.type, hops)) return;
    // Someone else changed a route of ours (or it is our own change echoed): check the slot.
    if (want !== 0 && ours && this.shapeSatisfiedBy(want, r.type, hops)) {
      this.setKernel(t, slot, this.shapes.ref(want));
      return;
    }
    if (ours) {
      if (slot < 0) slot = t.insert(r.dst, r.dstLength);
      this.setKernel(t, slot, this.shapes.acquire(r.type, hops, hops.length));
    } else this.fullPending = true;
    if (slot >= 0) this.enqueue(t, slot);
    this.scheduleFlush();
  }

  /** shapeSatisfiedBy on the raw event, for one next hop or none; false means "decode and look again". */
  private echoMatches(id: number, v: RouteEventView): boolean {
    const s = this.shapes.get(id);
    if (s.type !== v.type) return false;
    if (s.type !== Rtn.UNICAST) return true; // blackhole/unreachable: the kernel may report lo as oif
    return s.nextHops.length === 1 && v.singleHopMatches(s.nextHops[0]);
  }

  /** Whether a kernel route with this type and next hops is what shape `id` asks for. */
  private shapeSatisfiedBy(id: number, type: number, hops: readonly KernelNextHop[]): boolean {
    const s = this.shapes.get(id);
    return nextHopsSatisfy(s.type, s.nextHops, type, hops);
  }
}
