// Prometheus metrics (prom-client). In: the typed messages of observe-types.ts through observe(),
// peers added/removed by the daemon core, an EventLoopMonitor, optional read-outs (kernel route
// count). Out: a Registry whose text /metrics serves.
//
// Per-peer state is kept here in plain maps and written into the metrics at scrape time (each
// metric's collect()), so a peer removed from the configuration loses all its series at once.
//
// Session state: podbgp_peer_session_state is a number, with the BGP4-MIB bgpPeerState values
// (RFC 4273: idle(1), connect(2), active(3), opensent(4), openconfirm(5), established(6)) that
// gobgp_exporter's gobgp_peer_session_state and bio-rd also use. Network engineers know that
// numbering from SNMP, an alert is one comparison (`!= 6`), and a graph of one line per peer
// shows flapping at a glance; a label per state would give six series per peer. podbgp_peer_up
// (1 when Established) is beside it for the simplest alerts and sums.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StateName } from '../../bgp/fsm/states.ts';
import { familyName } from '../../bgp/wire/iana/afi-safi.ts';
import { notificationName } from '../../bgp/wire/iana/error-codes.ts';
import type { EventLoopMonitor } from './event-loop.ts';
import type { ObservedMessage, PeerName } from './observe-types.ts';

/** BGP4-MIB (RFC 4273) bgpPeerState numbering. */
export const SESSION_STATE_NUMBER: Readonly<Record<StateName, number>> = {
  Idle: 1,
  Connect: 2,
  Active: 3,
  OpenSent: 4,
  OpenConfirm: 5,
  Established: 6,
};

interface PrefixCounts {
  received: number;
  accepted: number;
  advertised: number;
}

interface PeerStats {
  state: StateName;
  /** now() when the session became Established, or null. */
  establishedAt: number | null;
  establishedTransitions: number;
  received: Map<string, number>;
  sent: Map<string, number>;
  prefixes: Map<string, PrefixCounts>;
  /** By "code/subcode". */
  notificationsSent: Map<string, number>;
  notificationsReceived: Map<string, number>;
  maxPrefixExceeded: number;
}

function newPeer(): PeerStats {
  return {
    state: 'Idle',
    establishedAt: null,
    establishedTransitions: 0,
    received: new Map(),
    sent: new Map(),
    prefixes: new Map(),
    notificationsSent: new Map(),
    notificationsReceived: new Map(),
    maxPrefixExceeded: 0,
  };
}

export interface MetricsOptions {
  /** A registry of its own when absent (so tests and several daemons never share one). */
  readonly registry?: Registry;
  /** Milliseconds; Date.now() when absent. */
  readonly now?: () => number;
  /** prom-client's process and Node.js metrics (process_*, nodejs_*); on by default. */
  readonly defaultMetrics?: boolean;
  readonly eventLoop?: EventLoopMonitor;
}

const UPDATE_BUCKETS = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1];
const RECONCILE_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class DaemonMetrics {
  readonly registry: Registry;
  private readonly now: () => number;
  private readonly peers = new Map<PeerName, PeerStats>();
  private readonly failing = new Map<number | string, string>();
  private kernelRouteCount: (() => number) | null = null;
  private beforeScrape: (() => void) | null = null;
  private readonly kernelInstalls: Counter;
  private readonly kernelRemovals: Counter;
  private readonly kernelFailures: Counter<'op'>;
  private readonly reconcileRuns: Counter<'mode'>;
  private readonly reconcileDuration: Histogram<'mode'>;
  private readonly updateLatency: Histogram;
  private readonly fibChanges: Counter;

  constructor(opts: MetricsOptions = {}) {
    const registers = [(this.registry = opts.registry ?? new Registry())];
    this.now = opts.now ?? Date.now;
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const peers = this.peers;
    const now = this.now;

    const perPeer = <T extends string>(
      metric: Gauge<T | 'peer'> | Counter<T | 'peer'>,
      fill: (peer: PeerName, s: PeerStats) => void,
    ) => {
      metric.reset();
      for (const [peer, s] of peers) fill(peer, s);
    };

    const state: Gauge<'peer'> = new Gauge({
      name: 'podbgp_peer_session_state',
      help: 'BGP session state per peer, BGP4-MIB numbering: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, 6 Established',
      labelNames: ['peer'],
      registers,
      collect: () => perPeer(state, (peer, s) => state.set({ peer }, SESSION_STATE_NUMBER[s.state])),
    });
    const up: Gauge<'peer'> = new Gauge({
      name: 'podbgp_peer_up',
      help: '1 when the BGP session with the peer is Established, else 0',
      labelNames: ['peer'],
      registers,
      collect: () => perPeer(up, (peer, s) => up.set({ peer }, s.state === 'Established' ? 1 : 0)),
    });
    const uptime: Gauge<'peer'> = new Gauge({
      name: 'podbgp_peer_uptime_seconds',
      help: 'Seconds the BGP session has been Established; 0 when it is not',
      labelNames: ['peer'],
      registers,
      collect: () =>
        perPeer(uptime, (peer, s) =>
          uptime.set({ peer }, s.establishedAt === null ? 0 : Math.max(0, (now() - s.establishedAt) / 1000)),
        ),
    });
    const transitions: Counter<'peer'> = new Counter({
      name: 'podbgp_peer_established_transitions_total',
      help: 'Times the BGP session with the peer entered Established (BGP4-MIB bgpPeerFsmEstablishedTransitions)',
      labelNames: ['peer'],
      registers,
      collect: () => perPeer(transitions, (peer, s) => transitions.inc({ peer }, s.establishedTransitions)),
    });
    for (const dir of ['received', 'sent'] as const) {
      const m: Counter<'peer' | 'type'> = new Counter({
        name: `podbgp_peer_messages_${dir}_total`,
        help: `BGP messages ${dir} per peer and message type (OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH)`,
        labelNames: ['peer', 'type'],
        registers,
        collect: () => perPeer(m, (peer, s) => s[dir].forEach((n, type) => m.inc({ peer, type }, n))),
      });
    }
    for (const what of ['received', 'accepted', 'advertised'] as const) {
      const help = {
        received: 'Prefixes received from the peer (Adj-RIB-In, before import policy) per family',
        accepted: 'Prefixes received from the peer and accepted by import policy per family',
        advertised: 'Prefixes advertised to the peer (Adj-RIB-Out) per family',
      }[what];
      const m: Gauge<'peer' | 'family'> = new Gauge({
        name: `podbgp_peer_prefixes_${what}`,
        help,
        labelNames: ['peer', 'family'],
        registers,
        collect: () =>
          perPeer(m, (peer, s) => s.prefixes.forEach((c, family) => m.set({ peer, family }, c[what]))),
      });
    }
    for (const dir of ['sent', 'received'] as const) {
      const m: Counter<'peer' | 'code' | 'subcode' | 'name'> = new Counter({
        name: `podbgp_peer_notifications_${dir}_total`,
        help: `NOTIFICATION messages ${dir} per peer, error code and subcode (name: the IANA code/subcode names)`,
        labelNames: ['peer', 'code', 'subcode', 'name'],
        registers,
        collect: () =>
          perPeer(m, (peer, s) =>
            (dir === 'sent' ? s.notificationsSent : s.notificationsReceived).forEach((n, key) => {
              const [code, subcode] = key.split('/').map(Number) as [number, number];
              m.inc({ peer, code, subcode, name: notificationName(code, subcode) }, n);
            }),
          ),
      });
    }
    const maxPrefix: Counter<'peer'> = new Counter({
      name: 'podbgp_peer_max_prefix_exceeded_total',
      help: 'Times the peer sent more prefixes than its configured maximum (RFC 4486 Cease subcode 1)',
      labelNames: ['peer'],
      registers,
      collect: () => perPeer(maxPrefix, (peer, s) => maxPrefix.inc({ peer }, s.maxPrefixExceeded)),
    });

    this.kernelInstalls = new Counter({
      name: 'podbgp_kernel_route_installs_total',
      help: 'Routes podbgp added or replaced in the kernel',
      registers,
    });
    this.kernelRemovals = new Counter({
      name: 'podbgp_kernel_route_removals_total',
      help: 'Routes podbgp removed from the kernel',
      registers,
    });
    this.kernelFailures = new Counter({
      name: 'podbgp_kernel_route_failures_total',
      help: 'Kernel route changes the kernel refused, by operation (replace, delete)',
      labelNames: ['op'],
      registers,
    });
    const failing = this.failing;
    const failingGauge: Gauge = new Gauge({
      name: 'podbgp_kernel_routes_failed',
      help: 'Routes whose last kernel change failed and that are not installed as wanted',
      registers,
      collect: () => failingGauge.set(failing.size),
    });
    const installedGauge: Gauge = new Gauge({
      name: 'podbgp_kernel_routes_installed',
      help: 'Routes of podbgp in the kernel now',
      registers,
      collect: () => {
        if (this.kernelRouteCount !== null) installedGauge.set(this.kernelRouteCount());
      },
    });
    this.reconcileRuns = new Counter({
      name: 'podbgp_kernel_reconcile_runs_total',
      help: 'Kernel reconciliation passes (full: kernel dump compared with the RIB; incremental: changed prefixes only)',
      labelNames: ['mode'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'podbgp_kernel_reconcile_duration_seconds',
      help: 'Duration of kernel reconciliation passes',
      labelNames: ['mode'],
      buckets: RECONCILE_BUCKETS,
      registers,
    });
    this.updateLatency = new Histogram({
      name: 'podbgp_update_processing_seconds',
      help: 'Time from a received UPDATE being decoded to the end of its RIB processing',
      buckets: UPDATE_BUCKETS,
      registers,
    });
    this.fibChanges = new Counter({
      name: 'podbgp_rib_fib_changes_total',
      help: 'Forwarding changes the Loc-RIB sent to the kernel owner (one per prefix)',
      registers,
    });

    const loop = opts.eventLoop;
    if (loop !== undefined) {
      let snap = { maxSeconds: 0, p99Seconds: 0 };
      const lagMax: Gauge = new Gauge({
        name: 'podbgp_event_loop_lag_max_seconds',
        help: 'Longest event-loop delay since the previous scrape (perf_hooks monitorEventLoopDelay)',
        registers,
        // Read (and reset) the histogram once per scrape; the p99 gauge uses the same snapshot.
        collect: () => {
          snap = loop.lagSnapshot(true);
          lagMax.set(snap.maxSeconds);
        },
      });
      const lagP99: Gauge = new Gauge({
        name: 'podbgp_event_loop_lag_p99_seconds',
        help: '99th percentile event-loop delay since the previous scrape (perf_hooks monitorEventLoopDelay)',
        registers,
        collect: () => lagP99.set(snap.p99Seconds),
      });
      const stall: Gauge = new Gauge({
        name: 'podbgp_event_loop_longest_stall_seconds',
        help: 'Longest event-loop stall since start, measured by a heartbeat timer',
        registers,
        collect: () => stall.set(loop.longestStallMs / 1000),
      });
    }
  }

  /** A configured peer: its series exist (state Idle) before anything happens. */
  addPeer(peer: PeerName): void {
    if (!this.peers.has(peer)) this.peers.set(peer, newPeer());
  }

  /** A peer removed from the configuration: every series with its label goes. */
  removePeer(peer: PeerName): void {
    this.peers.delete(peer);
  }

  /** Where podbgp_kernel_routes_installed is read from at each scrape (e.g. the Fib's route count). */
  setKernelRouteCount(read: () => number): void {
    this.kernelRouteCount = read;
  }

  /**
   * Called at the start of every scrape, so counters kept by their owners (the sessions' message
   * and prefix counts) are observed fresh instead of only when something else happens.
   */
  setBeforeScrape(fn: () => void): void {
    this.beforeScrape = fn;
  }

  /** Add to a peer's message counters (for a session layer that counts here rather than itself). */
  countMessage(peer: PeerName, direction: 'received' | 'sent', type: string, n = 1): void {
    const m = this.peer(peer)[direction];
    m.set(type, (m.get(type) ?? 0) + n);
  }

  private peer(peer: PeerName): PeerStats {
    let s = this.peers.get(peer);
    if (s === undefined) {
      s = newPeer();
      this.peers.set(peer, s);
    }
    return s;
  }

  private enterState(s: PeerStats, to: StateName): void {
    if (to === 'Established' && s.state !== 'Established') {
      s.establishedAt = this.now();
      s.establishedTransitions++;
    } else if (to !== 'Established') {
      s.establishedAt = null;
    }
    s.state = to;
  }

  observe(m: ObservedMessage): void {
    switch (m.kind) {
      case 'session-state':
        this.enterState(this.peer(m.peer), m.to);
        return;
      case 'peer-up':
        this.enterState(this.peer(m.peer), 'Established');
        return;
      case 'peer-down': {
        const s = this.peer(m.peer);
        if (s.state === 'Established') this.enterState(s, 'Idle');
        return;
      }
      case 'notification': {
        const s = this.peer(m.peer);
        const map = m.direction === 'sent' ? s.notificationsSent : s.notificationsReceived;
        const key = `${m.code}/${m.subcode}`;
        map.set(key, (map.get(key) ?? 0) + 1);
        return;
      }
      case 'message-counters': {
        const s = this.peer(m.peer);
        s.received = new Map(Object.entries(m.received));
        s.sent = new Map(Object.entries(m.sent));
        return;
      }
      case 'prefix-counts': {
        const { received, accepted, advertised } = m;
        this.peer(m.peer).prefixes.set(familyName(m.afi, m.safi), { received, accepted, advertised });
        return;
      }
      case 'max-prefix':
        this.peer(m.peer).maxPrefixExceeded++;
        return;
      case 'update-processed':
        this.updateLatency.observe(m.seconds);
        return;
      case 'fib-change':
        this.fibChanges.inc();
        return;
      case 'fib-installed':
        this.kernelInstalls.inc();
        if (this.failing.size > 0) this.failing.delete(m.key);
        return;
      case 'fib-removed':
        this.kernelRemovals.inc();
        if (this.failing.size > 0) this.failing.delete(m.key);
        return;
      case 'fib-batch':
        this.kernelInstalls.inc(m.installed);
        this.kernelRemovals.inc(m.removed);
        for (const key of m.recovered) this.failing.delete(key);
        return;
      case 'fib-failed':
        this.kernelFailures.inc({ op: m.op });
        this.failing.set(m.key, m.prefix);
        return;
      case 'fib-reconciled': {
        const mode = m.full ? 'full' : 'incremental';
        this.reconcileRuns.inc({ mode });
        this.reconcileDuration.observe({ mode }, m.durationMs / 1000);
        return;
      }
      case 'update':
      case 'end-of-rib':
        return;
    }
  }

  /** The text exposition for /metrics. */
  metrics(): Promise<string> {
    this.beforeScrape?.();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
