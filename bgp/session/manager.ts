// The SessionManager: owns the BgpListener, the shared TimerFacility and the map of Sessions, one
// per configured peer (and one per connected address of a dynamic range). It accepts connections
// only from configured peers or ranges, hands each to its Session, adds / updates / removes peers
// at run time (config reload), and passes every SessionMessage to its one subscriber, the core.
//
//   core ──addPeer/updatePeer/removePeer, start/stop──▶ SessionManager ──▶ Session ──▶ Connection(s)
//   core ◀──────────── SessionMessage (session-state, peer-up, update, ...) ──────────┘
//
// In: PeerConfig (config/schema.ts) with the password already resolved to a string by the core.
// Out: SessionMessages; session(address) gives a Session for sendUpdates, disable, counters, ...
import type net from 'node:net';
import type { PeerConfig } from '../../config/schema.ts';
import { CeaseSubcode } from '../wire/iana/error-codes.ts';
import { TimerFacility } from '../timers.ts';
import type { Clock } from '../timers.ts';
import { connectTo } from '../transport/connector.ts';
import type { ConnectOptions } from '../transport/connector.ts';
import { BgpListener } from '../transport/listener.ts';
import type { PeerTransportOptions } from '../transport/listener.ts';
import { normalizeAddress, PeerAddressSet } from '../transport/peer-address.ts';
import type { SessionMessage } from './messages.ts';
import { Session } from './session.ts';
import type { SessionHost } from './session.ts';
import { peerSettings, settingsChange } from './settings.ts';
import type { LocalSettings } from './settings.ts';

export type LogFn = (level: 'info' | 'warn' | 'error', text: string, peer: string) => void;

export interface SessionManagerOptions {
  readonly local: LocalSettings;
  /** Where to listen; false: no listener (only outgoing sessions). Default 0.0.0.0 and :: port 179. */
  readonly listen?: { readonly addresses?: readonly string[]; readonly port?: number } | false;
  /** How outgoing connections are opened (default connectTo; tests wrap it to open in a namespace). */
  readonly connect?: (opts: ConnectOptions) => Promise<net.Socket>;
  readonly clock?: Clock;
  /** 'throw' (default): our own bugs crash loudly; the daemon passes 'reset' (log and reset the session). */
  readonly bugPolicy?: 'throw' | 'reset';
  readonly log?: LogFn;
}

interface RangeEntry {
  readonly config: PeerConfig;
  readonly password: string | undefined;
  readonly prefix: string;
  readonly length: number;
}

export class SessionManager {
  private readonly opts: SessionManagerOptions;
  private readonly timers: TimerFacility;
  private readonly sessions = new Map<string, Session>();
  private readonly ranges = new Map<string, RangeEntry>();
  private readonly addresses = new PeerAddressSet();
  private readonly byConnection = new Map<string, Session>();
  private readonly host: SessionHost;
  private listener: BgpListener | null = null;
  private subscriber: (msg: SessionMessage) => void = () => {};
  private started = false;

  constructor(opts: SessionManagerOptions) {
    this.opts = opts;
    this.timers = new TimerFacility(
      (owner, name) => this.byConnection.get(owner)?.timerExpired(owner, name),
      opts.clock,
    );
    const log: LogFn = opts.log ?? (() => {});
    this.host = {
      timers: this.timers,
      emit: (msg) => this.deliver(msg),
      connect: opts.connect ?? connectTo,
      register: (id, session) => {
        if (session === null) this.byConnection.delete(id);
        else this.byConnection.set(id, session);
      },
      bugPolicy: opts.bugPolicy ?? 'throw',
      log,
    };
  }

  /** The one subscriber (the daemon core). */
  subscribe(fn: (msg: SessionMessage) => void): void {
    this.subscriber = fn;
  }

  /** Starts the listener and every configured session. */
  async start(): Promise<void> {
    if (this.opts.listen !== false) {
      const listen = this.opts.listen ?? {};
      const listener = new BgpListener({
        ...(listen.addresses === undefined ? {} : { addresses: listen.addresses }),
        ...(listen.port === undefined ? {} : { port: listen.port }),
        isConfiguredPeer: (address) => this.addresses.has(address),
        transportFor: (address) => this.transportFor(address),
        onConnection: (socket, peerAddress) => this.accept(socket, peerAddress),
        onRejected: (peer, _local, reason, detail) =>
          this.host.log('info', `connection refused (${reason}): ${detail}`, peer),
        onError: (err) => this.host.log('error', `listener: ${err.message}`, ''),
      });
      await listener.start();
      this.listener = listener;
      for (const s of this.sessions.values()) this.applyKey(s.peer, s.settings.password);
      for (const r of this.ranges.values()) listener.setRangeKey(r.prefix, r.length, r.password ?? null);
    }
    this.started = true;
    for (const s of this.sessions.values()) s.start();
  }

  /** The listening sockets (with their ports, useful with port 0). */
  listening(): { address: string; port: number }[] {
    return this.listener?.listening() ?? [];
  }

  /**
   * Administrative shutdown of every session (Cease / Administrative Shutdown with an RFC 9003
   * message), then the listener closes. Resolves once the NOTIFICATIONs had time to leave.
   * Deliberately not a Hard Reset (RFC 8538): the daemon stops to be restarted (an upgrade, a pod
   * rescheduled), and peers that exchanged the N bit keep our routes as graceful restart helpers
   * meanwhile, while the kernel keeps forwarding. Per-peer shutdown (Session.disable) is a Hard Reset.
   */
  async stop(message?: string): Promise<void> {
    this.listener?.close();
    this.listener = null;
    for (const s of this.sessions.values()) s.stopAll(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, message);
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    this.timers.clear();
    this.started = false;
  }

  /** Ends everything at once with nothing sent, as if the process were killed (-9). */
  destroy(): void {
    this.listener?.close();
    this.listener = null;
    for (const s of this.sessions.values()) s.dispose(true);
    this.sessions.clear();
    this.timers.clear();
    this.started = false;
  }

  /** Adds a peer (or a dynamic range) and starts it when the manager runs. */
  addPeer(config: PeerConfig, password?: string): Session | null {
    if (config.range !== undefined) {
      const [prefix = '', len = ''] = config.range.split('/');
      const entry: RangeEntry = { config, password, prefix: normalizeAddress(prefix), length: Number(len) };
      this.ranges.set(rangeKey(config.range), entry);
      this.addresses.addRange(entry.prefix, entry.length);
      this.listener?.setRangeKey(entry.prefix, entry.length, password ?? null);
      return null;
    }
    const settings = peerSettings(config, this.opts.local, password);
    if (this.sessions.has(settings.address)) throw new Error(`peer ${settings.address} already exists`);
    const session = new Session(settings, this.host, this.opts.local.restarting === true);
    this.sessions.set(settings.address, session);
    this.addresses.addPeer(settings.address);
    this.applyKey(settings.address, password);
    if (this.started) session.start();
    return session;
  }

  /**
   * Config reload for one peer: nothing happens when its settings are unchanged; max-prefix
   * limits and the shutdown flag are applied to the running session (no reset); any other change
   * resets the session with Cease / Other Configuration Change (RFC 4486) and restarts it.
   */
  updatePeer(config: PeerConfig, password?: string): void {
    if (config.range !== undefined) {
      this.removePeer(config);
      this.addPeer(config, password);
      return;
    }
    const settings = peerSettings(config, this.opts.local, password);
    const session = this.sessions.get(settings.address);
    if (session === undefined) {
      this.addPeer(config, password);
      return;
    }
    const change = settingsChange(session.settings, settings);
    if (change === 'same') return;
    if (change === 'live') {
      session.applyLiveSettings(settings);
      return;
    }
    if (session.settings.password !== settings.password) this.applyKey(settings.address, password);
    session.reconfigure(settings);
  }

  /** Removes a peer or range: Cease / Peer De-configured (RFC 4486), then forgotten. */
  removePeer(config: PeerConfig | string): void {
    const key = typeof config === 'string' ? config : (config.range ?? config.address ?? '');
    const range = key.includes('/') ? this.ranges.get(rangeKey(key)) : undefined;
    if (range !== undefined) {
      this.ranges.delete(rangeKey(key));
      this.addresses.removeRange(range.prefix, range.length);
      this.listener?.setRangeKey(range.prefix, range.length, null);
      for (const s of [...this.sessions.values()]) {
        if (s.settings.dynamic && !this.addresses.has(s.peer)) this.drop(s, CeaseSubcode.PEER_DECONFIGURED);
      }
      return;
    }
    const session = this.sessions.get(normalizeAddress(key));
    if (session === undefined) return;
    this.addresses.removePeer(session.peer);
    this.applyKey(session.peer, undefined);
    this.drop(session, CeaseSubcode.PEER_DECONFIGURED);
  }

  session(address: string): Session | undefined {
    return this.sessions.get(normalizeAddress(address));
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  /** RFC 8538 §5: Peer De-configured is a Hard Reset (with the N bit); the peer flushes our routes. */
  private drop(session: Session, subcode: number): void {
    session.stopAll(subcode, undefined, true);
    this.sessions.delete(session.peer);
    // Leave the NOTIFICATION time to be flushed before the sockets are torn down.
    setTimeout(() => session.dispose(), 50).unref();
  }

  private applyKey(address: string, password: string | undefined): void {
    this.listener?.setPeerKey(address, password ?? null);
  }

  private transportFor(address: string): PeerTransportOptions | undefined {
    const s = this.sessions.get(address)?.settings ?? this.rangeFor(address)?.config;
    if (s === undefined) return undefined;
    const ttlSecurity = s.ttlSecurity === 0 ? undefined : s.ttlSecurity;
    if (ttlSecurity !== undefined) return { ttlSecurity };
    if (s.multihop !== undefined) return { ttl: s.multihop };
    return undefined;
  }

  private rangeFor(address: string): RangeEntry | undefined {
    const m = this.addresses.match(address);
    if (m === null || m.kind !== 'range') return undefined;
    return this.ranges.get(rangeKey(`${m.prefix}/${m.prefixLength}`));
  }

  private accept(socket: net.Socket, peerAddress: string): void {
    let session = this.sessions.get(peerAddress);
    if (session === undefined) {
      const range = this.rangeFor(peerAddress);
      if (range === undefined) {
        socket.destroy();
        return;
      }
      // A dynamic neighbour: a passive Session for this address, forgotten when it goes down.
      const settings = peerSettings(range.config, this.opts.local, range.password, peerAddress);
      session = new Session(settings, this.host, this.opts.local.restarting === true);
      this.sessions.set(peerAddress, session);
      session.start();
    }
    session.incoming(socket);
  }

  private deliver(msg: SessionMessage): void {
    if (msg.kind === 'session-state' && msg.to === 'Idle') {
      const s = this.sessions.get(msg.peer);
      if (s !== undefined && s.settings.dynamic) {
        this.sessions.delete(msg.peer);
        queueMicrotask(() => s.dispose());
      }
    }
    this.subscriber(msg);
  }
}

/** "prefix/length" with the prefix normalized, as the ranges map key. */
function rangeKey(cidr: string): string {
  const [prefix = '', length = ''] = cidr.split('/');
  return `${normalizeAddress(prefix)}/${Number(length)}`;
}
