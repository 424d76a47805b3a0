// The daemon core: the only place that knows every owner. It builds them from the config, passes
// each owner's typed messages to the next, and runs the lifecycle (start, SIGHUP reload, SIGTERM).
//
//   config ──▶ Daemon ──addPeer/updatePeer/removePeer──▶ SessionManager ──▶ Sessions ◀──▶ peers
//                 ▲                                            │ SessionMessage
//                 │◀───────────────────────────────────────────┘
//                 ├──peerUp/update/endOfRib/peerDown──▶ Routing (RIB ─▶ Adj-RIB-Out, ─▶ Fib ─▶ kernel)
//                 │◀── send (per peer) ── Routing            └── FibMessage/NextHopReachability
//                 ├── encodeSend ──▶ Session.sendUpdates
//                 ├── every message ──▶ EventLog (winston), DaemonMetrics (prom-client), Readiness
//                 └── DaemonApi (api-impl.ts) ◀── gRPC server (api/server.ts) ◀── podbgp CLI
import type { Logger } from 'winston';
import type { PeerConfig, PodbgpConfig } from '../../config/schema.ts';
import type { SessionMessage } from '../../bgp/session/messages.ts';
import type { SendMessage } from '../../rib/messages.ts';
import type { ObservedMessage } from './observe-types.ts';
import type { ApiEvent, FamilyCounters } from '../../api/daemon-api.ts';
import type { Session } from '../../bgp/session/session.ts';
import { Afi, Safi } from '../../bgp/wire/iana/afi-safi.ts';
import { SessionManager } from '../../bgp/session/manager.ts';
import { normalizeAddress } from '../../bgp/transport/peer-address.ts';
import { Routing, type RoutingMessage } from './routing.ts';
import { encodeSend, familyNegotiated } from './outbound.ts';
import { selfAddressesFor } from './self-addresses.ts';
import { readSecretPasswords, resolvePassword, type SecretPasswords } from './secrets.ts';
import { KubeSecretReader, type SecretReader } from '../../kube/secrets.ts';
import { planReload } from './reload-plan.ts';
import { EventLog, registerSecret } from './log.ts';
import { DaemonMetrics } from './metrics.ts';
import { Readiness } from './health.ts';
import { EventLoopMonitor } from './event-loop.ts';
import { startObservabilityServer, type ObservabilityServer } from './http.ts';
import { startApiServer, type ApiServer } from '../../api/server.ts';
import { DaemonApiImpl } from './api-impl.ts';
import { formatAddressBytes, formatPrefix, parseAddressBytes } from '../../rib/prefix.ts';

export interface DaemonOptions {
  readonly config: PodbgpConfig;
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  /**
   * RFC 4724 restarting speaker: podbgp restarted with its kernel routes still in place. Sets the
   * R bit in OPENs and keeps our old kernel routes until every peer sent End-of-RIB (or the
   * restart time passed).
   */
  readonly restarting?: boolean;
  /** Start the gRPC API on config.api.socket (default true). */
  readonly api?: boolean;
  /** Start the metrics/health HTTP server on config.metrics.address (default true). */
  readonly metrics?: boolean;
  /** How Kubernetes Secrets are read (default: the in-cluster API via @kubernetes/client-node). */
  readonly secretReader?: () => SecretReader;
}

export class Daemon {
  config: PodbgpConfig;
  readonly logger: Logger;
  readonly routing: Routing;
  readonly sessions: SessionManager;
  readonly events: EventLog;
  readonly readiness: Readiness;
  readonly eventLoop = new EventLoopMonitor();
  // After eventLoop: the event-loop lag and stall gauges read it at each scrape.
  readonly metrics = new DaemonMetrics({ eventLoop: this.eventLoop });
  private readonly env: NodeJS.ProcessEnv;
  private readonly opts: DaemonOptions;
  private http: ObservabilityServer | null = null;
  private api: ApiServer | null = null;
  private readonly apiListeners = new Set<(e: ApiEvent) => void>();
  /** Peers whose End-of-RIB we still wait for before releasing the kernel's startup sweep. */
  private awaitingEndOfRib: Set<string> | null = null;
  /** Passwords read from Kubernetes Secrets for the running config. */
  private secrets: SecretPasswords = new Map();

  constructor(o: DaemonOptions) {
    this.opts = o;
    this.config = o.config;
    this.logger = o.logger;
    this.events = new EventLog(o.logger);
    this.env = o.env;
    this.readiness = new Readiness({ timeoutSeconds: o.config.readiness.timeoutSeconds });
    this.routing = new Routing({
      config: o.config,
      deliver: (peer, m) => this.deliver(peer, m),
      emit: (m) => this.onRouting(m),
    });
    const gr = o.config.gracefulRestart;
    this.sessions = new SessionManager({
      local: {
        asn: o.config.asn,
        routerId: o.config.routerId,
        gracefulRestart: { enabled: gr.enabled, restartTime: gr.restartTime, notification: gr.notification },
        restarting: o.restarting === true,
        // RFC 4724 F bit: our kernel routes survive our own restart when we install routes.
        forwardingPreserved: o.config.kernel.installRoutes,
      },
      listen: { addresses: o.config.listen.addresses, port: o.config.listen.port },
      bugPolicy: 'reset',
      log: (level, text, peer) => (peer ? this.events.forPeer(peer) : this.logger)[level](text),
    });
    this.sessions.subscribe((m) => this.onSession(m));
  }

  async start(): Promise<void> {
    const cfg = this.config;
    this.eventLoop.start();
    const gr = cfg.gracefulRestart;
    const holdSweep = this.opts.restarting === true && gr.enabled;
    await this.routing.start(holdSweep ? { holdStartupSweepMs: gr.restartTime * 1000 } : {});
    if (holdSweep) this.awaitingEndOfRib = new Set();
    this.secrets = await this.readSecrets(cfg);
    this.metrics.setKernelRouteCount(() => this.routing.kernelRouteCount);
    this.metrics.setBeforeScrape(() => this.observeCounters());
    for (const [i, peer] of cfg.peers.entries())
      this.addPeer(peer, resolvePassword(peer, `peers[${i}]`, this.env, this.secrets));
    this.readiness.setPeers(cfg.peers.flatMap((p) => (p.address ? [normalizeAddress(p.address)] : [])));
    if (this.opts.metrics !== false && cfg.metrics.address !== 'off') {
      this.http = await startObservabilityServer({
        address: cfg.metrics.address,
        metrics: this.metrics,
        readiness: this.readiness,
        liveness: this.eventLoop,
        logger: this.logger,
      });
    }
    if (this.opts.api !== false) {
      this.api = await startApiServer({ api: new DaemonApiImpl(this), socketPath: cfg.api.socket });
    }
    await this.sessions.start();
    const listening = this.sessions.listening().map((l) => `${l.address}:${l.port}`);
    this.logger.info(
      `podbgp started: AS ${cfg.asn}, router id ${cfg.routerId}, ${cfg.peers.length} peer(s), ` +
        `listening on ${listening.join(', ') || 'nothing'}, originating ${cfg.originate.join(', ') || 'nothing'}`,
    );
  }

  /**
   * SIGTERM: Cease / Administrative Shutdown to every peer. With graceful restart our kernel
   * routes stay (the kernel keeps forwarding while podbgp restarts; peers keep our routes as
   * helpers); without it they are removed.
   */
  async stop(message = 'podbgp is shutting down'): Promise<void> {
    const keepKernel = this.config.gracefulRestart.enabled;
    // With graceful restart the kernel keeps forwarding through our restart: detach it from the
    // RIB first, so sessions going down do not withdraw our kernel routes.
    if (keepKernel) this.routing.detachKernel();
    await this.sessions.stop(message);
    if (!keepKernel) await this.routing.flushKernel();
    this.routing.stop();
    this.eventLoop.stop();
    await this.api?.close();
    await this.http?.close();
  }

  private addPeer(peer: PeerConfig, password: string | undefined): void {
    if (password !== undefined) registerSecret(password);
    this.sessions.addPeer(peer, password);
    if (peer.address) this.metrics.addPeer(normalizeAddress(peer.address));
  }

  /** The configured peer that an address belongs to (a single peer, or the range it falls in). */
  peerConfigOf(address: string): PeerConfig | undefined {
    const norm = normalizeAddress(address);
    const exact = this.config.peers.find(
      (p) => p.address !== undefined && normalizeAddress(p.address) === norm,
    );
    if (exact) return exact;
    const s = this.sessions.session(norm);
    if (s?.settings.dynamic !== true) return undefined;
    return this.config.peers.find((p) => p.range !== undefined && inRange(norm, p.range));
  }

  private readSecrets(cfg: PodbgpConfig): Promise<SecretPasswords> {
    return readSecretPasswords(cfg, this.env, this.opts.secretReader ?? (() => new KubeSecretReader()));
  }

  /**
   * SIGHUP: only peers whose settings changed are touched; every other session stays up. The
   * plan (reload-plan.ts) and every password are worked out before anything changes, so a bad
   * reload (a missing password file, an unreadable Secret) throws with the running configuration
   * still whole.
   */
  async reload(
    next: PodbgpConfig,
  ): Promise<{ added: string[]; removed: string[]; changed: string[]; soft: string[] }> {
    const plan = planReload(this.config, next);
    const secrets = await this.readSecrets(next);
    const passwords = new Map<string, string | undefined>();
    for (const s of [...plan.added, ...plan.changed])
      passwords.set(s.key, resolvePassword(s.peer, `peers[${s.index}]`, this.env, secrets));
    this.secrets = secrets;
    this.config = next;
    this.routing.setConfig(next);
    for (const s of plan.removed) {
      this.sessions.removePeer(s.peer);
      this.metrics.removePeer(s.key);
    }
    for (const s of plan.added) this.addPeer(s.peer, passwords.get(s.key));
    for (const s of plan.changed) {
      const password = passwords.get(s.key);
      if (password !== undefined) registerSecret(password);
      this.sessions.updatePeer(s.peer, password);
      // A change the session did not reset for (RIB-side settings such as nextHopSelf or
      // allowAsIn) still has to reach the RIB: re-register the peer through a soft reset.
      if (this.sessions.session(s.key)?.negotiated != null) this.softReset(s.key, 'both');
    }
    // A policy change needs no reset: re-run export, and ask the peer to send its routes again
    // (RFC 2918 route refresh) so import policy sees them anew.
    for (const s of plan.soft) this.softReset(s.key, 'both');
    for (const c of plan.originateRemoved) this.routing.withdrawOriginated(c);
    for (const c of plan.originateAdded) this.routing.originate(c);
    this.readiness.setPeers(next.peers.flatMap((p) => (p.address ? [normalizeAddress(p.address)] : [])));
    const result = {
      added: plan.added.map((s) => s.key),
      removed: plan.removed.map((s) => s.key),
      changed: plan.changed.map((s) => s.key),
      soft: plan.soft.map((s) => s.key),
    };
    if (plan.needsRestart.length > 0) {
      this.logger.warn(
        `configuration reload: ${plan.needsRestart.join(', ')} changed; these apply only after a restart`,
      );
    }
    this.logger.info(
      `configuration reloaded: ${result.added.length} added, ${result.removed.length} removed, ` +
        `${result.changed.length} reset, ${result.soft.length} soft-reset, others untouched`,
      result,
    );
    return result;
  }

  /**
   * API `originate add|del`: the prefix joins (or leaves) config.originate, so the default export
   * policy (exactly the originated prefixes) carries it, and the default import policy keeps
   * refusing our own Pod CIDRs; peers on those defaults are soft-reset. It lasts until the next
   * reload or restart, where the file is the truth again.
   */
  setOriginated(cidr: string, originated: boolean): void {
    const now = this.config.originate;
    if (now.includes(cidr) === originated) return;
    const next = {
      ...this.config,
      originate: originated ? [...now, cidr] : now.filter((c) => c !== cidr),
    };
    const plan = planReload(this.config, next);
    this.config = next;
    this.routing.setConfig(next);
    if (originated) this.routing.originate(cidr);
    else {
      this.routing.withdrawOriginated(cidr);
      // Send the withdrawal now, while the Adj-RIB-Out still knows it advertised the prefix: the
      // soft reset below re-registers the peers and would forget it.
      this.routing.pollNow();
    }
    for (const s of plan.soft) this.softReset(s.key, 'out');
  }

  /** Soft reset (RFC 2918): 'out' re-sends our table, 'in' asks the peer to re-send its own. */
  softReset(address: string, direction: 'in' | 'out' | 'both'): void {
    const s = this.sessions.session(address);
    const cfg = this.peerConfigOf(address);
    if (s === undefined || cfg === undefined || s.negotiated === null) return;
    if (direction !== 'in') {
      this.routing.peerUp(s.peer, cfg, s.negotiated, { refresh: true });
      this.sendEndOfRib(s.peer);
    }
    if (direction !== 'out' && s.negotiated.routeRefresh) {
      for (const f of s.negotiated.families) s.requestRouteRefresh(f.afi, f.safi);
    }
  }

  /** Per family of the peer's session: prefixes received, accepted by import policy, advertised. */
  familyCounters(s: Session): FamilyCounters[] {
    const c = s.counters();
    const index = this.routing.indexOf(s.peer);
    const out: FamilyCounters[] = [];
    for (const [afi, family] of [
      [Afi.IPV4, 'ipv4'],
      [Afi.IPV6, 'ipv6'],
    ] as const) {
      if (!s.settings.families.some((f) => f.afi === afi)) continue;
      const loc = this.routing.rib.locRib(afi);
      const group = index === undefined ? null : this.routing.out.groupOf(index);
      const advertised = group === null ? 0 : this.routing.out.advertisedCount(group, afi);
      out.push({
        family,
        received: c.prefixesReceived[`${family}-unicast`] ?? 0,
        accepted: index === undefined ? 0 : loc.adjIn.countOf(index),
        advertised,
      });
    }
    return out;
  }

  /** Before a scrape: the sessions' own message and prefix counters, as observed messages. */
  private observeCounters(): void {
    for (const s of this.sessions.all()) {
      const c = s.counters();
      this.metrics.observe({
        kind: 'message-counters',
        peer: s.peer,
        received: c.messagesIn,
        sent: c.messagesOut,
      });
      for (const f of this.familyCounters(s)) {
        this.metrics.observe({
          kind: 'prefix-counts',
          peer: s.peer,
          afi: f.family === 'ipv4' ? Afi.IPV4 : Afi.IPV6,
          safi: Safi.UNICAST,
          received: f.received,
          accepted: f.accepted,
          advertised: f.advertised,
        });
      }
    }
  }

  // ---- messages from the owners ---------------------------------------------------------------

  private onSession(m: SessionMessage): void {
    const observed = toObserved(m);
    if (observed !== null) this.observe(observed);
    switch (m.kind) {
      case 'peer-up': {
        const cfg = this.peerConfigOf(m.peer);
        if (cfg === undefined) return;
        this.routing.peerUp(m.peer, cfg, m.negotiated);
        // RFC 4724 §4: End-of-RIB after the initial table, per family.
        this.sendEndOfRib(m.peer);
        break;
      }
      case 'update': {
        // UPDATE processing latency (metrics): from the decoded message to the RIB's decision.
        const t0 = performance.now();
        this.routing.update(m.peer, m.msg);
        const prefixes = m.msg.nlri.count + (m.msg.attrs.mpReach?.nlri.count ?? 0);
        this.observe({
          kind: 'update-processed',
          peer: m.peer,
          seconds: (performance.now() - t0) / 1000,
          prefixes,
        });
        break;
      }
      case 'end-of-rib':
        this.routing.endOfRib(m.peer, m.afi, m.safi);
        this.noteEndOfRib(m.peer);
        break;
      case 'peer-down':
        this.routing.peerDown(m.peer, m.gracefulRestart);
        break;
      case 'route-refresh':
        if (m.subtype === 0) {
          this.events
            .forPeer(m.peer)
            .info(
              `ROUTE-REFRESH (${m.origin === 'peer' ? 'from the peer' : 'local'}): sending our table again`,
            );
          this.softReset(m.peer, 'out');
        }
        break;
      case 'session-state':
        this.emitApi({
          kind: 'session',
          time: Date.now(),
          peer: m.peer,
          state: m.to,
          previousState: m.from,
          reason: m.reason,
        });
        break;
      default:
        break;
    }
  }

  private sendEndOfRib(peer: string): void {
    const s = this.sessions.session(peer);
    const neg = s?.negotiated;
    if (s === undefined || neg == null) return;
    for (const f of neg.families) {
      s.sendEndOfRib(f.afi, f.safi);
      this.observe({ kind: 'end-of-rib', peer, afi: f.afi, safi: f.safi, direction: 'sent' });
    }
  }

  /** As restarting speaker: release the kernel's startup sweep once every peer sent End-of-RIB. */
  private noteEndOfRib(peer: string): void {
    if (this.awaitingEndOfRib === null) return;
    this.awaitingEndOfRib.add(peer);
    const all = this.sessions.all().filter((s) => !s.isDisabled && !s.settings.dynamic);
    if (all.every((s) => this.awaitingEndOfRib!.has(s.peer))) {
      this.awaitingEndOfRib = null;
      this.routing.fib?.releaseStartupSweep();
      this.logger.info('graceful restart: End-of-RIB from every peer; stale kernel routes are swept now');
    }
  }

  private onRouting(m: RoutingMessage): void {
    if (m.kind === 'nexthop-reachability') {
      this.logger.info(`next hop ${m.address} is ${m.reachable ? 'reachable' : 'unreachable'}`);
      return;
    }
    this.observe(m);
  }

  /** One Adj-RIB-Out message to one peer, encoded with that session's context and addresses. */
  private deliver(peer: string, m: SendMessage): void {
    const s = this.sessions.session(peer);
    const ep = s?.localEndpoint;
    const ctx = s?.negotiated?.context;
    if (s === undefined || ep == null || ctx === undefined) return;
    // The update group spans both families; this session may carry only one of them.
    if (!familyNegotiated(s.negotiated!.families, m.afi)) return;
    const { messages, skipped } = encodeSend(m, selfAddressesFor(ep.address), ctx);
    if (skipped > 0) {
      this.events
        .forPeer(peer)
        .warn(
          `${skipped} prefix(es) not announced: no local ${m.afi === 2 ? 'IPv6' : 'IPv4'} address on the session's link for next-hop-self`,
        );
    }
    if (messages.length > 0) s.sendUpdates(messages);
  }

  private observe(m: ObservedMessage): void {
    this.events.logEvent(m);
    this.metrics.observe(m);
    this.readiness.observe(m);
  }

  // ---- API events -------------------------------------------------------------------------------

  /**
   * Watchers of the API's event stream get session changes and route changes: each forwarding
   * decision of the RIB (a prefix's next hops, or none), one event per prefix whatever the kernel
   * batching. Route events are only built while someone watches.
   */
  onApiEvent(fn: (e: ApiEvent) => void): () => void {
    this.apiListeners.add(fn);
    this.routing.routeChanged = (m) =>
      this.emitApi({
        kind: 'route',
        time: Date.now(),
        prefix: formatPrefix(m.prefix),
        nextHops: (m.nextHops ?? []).map(formatAddressBytes),
      });
    return () => {
      this.apiListeners.delete(fn);
      if (this.apiListeners.size === 0) this.routing.routeChanged = null;
    };
  }

  private emitApi(e: ApiEvent): void {
    for (const fn of this.apiListeners) fn(e);
  }
}

/** The session layer's messages in the shapes the observers read (null: none for them). */
function toObserved(m: SessionMessage): ObservedMessage | null {
  switch (m.kind) {
    case 'peer-down':
      return {
        kind: 'peer-down',
        peer: m.peer,
        reason: m.reason,
        gracefulRestart: m.gracefulRestart.stale,
        ...(m.notification
          ? {
              notification: {
                type: 'notification' as const,
                code: m.notification.code,
                subcode: m.notification.subcode,
                data: m.notification.data,
              },
            }
          : {}),
      };
    case 'max-prefix':
      return { kind: 'max-prefix', peer: m.peer, limit: m.limit, count: m.count, warningOnly: !m.shutdown };
    case 'route-refresh':
    case 'update-error':
      // Nothing for metrics or readiness (the UPDATE's RFC 7606 faults are logged with the
      // update itself); the core logs route refreshes where it handles them.
      return null;
    default:
      return m;
  }
}

function inRange(address: string, range: string): boolean {
  const [prefix, lenText] = range.split('/');
  const a = parseAddressBytes(address);
  const p = parseAddressBytes(prefix!);
  if (a.length !== p.length) return false;
  let left = Number(lenText);
  for (let i = 0; i < a.length && left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    if ((a[i]! & mask) !== (p[i]! & mask)) return false;
  }
  return true;
}
