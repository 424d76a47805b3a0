// The session driver for one configured peer (DESIGN "The FSM is a pure function": the driver
// turns sockets and timer deadlines into events and performs actions). A Session owns its
// Connection(s) with their FSM instances, sockets, output queues and timers in the shared
// TimerFacility. In: socket events, timer expiries, decoded messages, and the calls of the core
// (sendUpdates, disable, hardReset, ...). Out: SessionMessages through the host's emit, in order.
//
// Connection collision (RFC 4271 §6.8): an incoming connection while ours is in progress gets a
// second FSM; when an OPEN arrives, resolveCollision decides which connection closes (Cease 6/7),
// and the survivor becomes the primary. Receiving is in receive.ts.
import type net from 'node:net';
import { createFsm, resolveCollision, State, step, timerEvent } from '../fsm/index.ts';
import type { FsmAction, FsmEvent, StateName, TimerName } from '../fsm/index.ts';
import type { NegotiatedSession } from '../negotiate.ts';
import type { TimerFacility } from '../timers.ts';
import type { ConnectOptions } from '../transport/connector.ts';
import { openMessageError } from '../wire/errors.ts';
import { CeaseSubcode, ErrorCode, OpenSubcode } from '../wire/iana/error-codes.ts';
import { encodeKeepalive } from '../wire/keepalive.ts';
import { describeNotification, encodeNotification } from '../wire/notification.ts';
import { encodeOpen } from '../wire/open.ts';
import { packAnnouncements, packWithdrawals } from '../wire/packer.ts';
import type { PackOptions } from '../wire/packer.ts';
import { encodeRouteRefresh, RouteRefreshSubtype } from '../wire/route-refresh.ts';
import { encodeEndOfRib, maxMessageLength } from '../wire/update.ts';
import type { OpenMessage, PathAttributes, PrefixList } from '../wire/types.ts';
import { Connection } from './connection.ts';
import type { NotificationSummary, SessionCounters, SessionMessage } from './messages.ts';
import { PrefixCount } from './prefix-count.ts';
import { enforceMaxPrefix, receiveData } from './receive.ts';
import { familyText, fsmConfigOf, localOpen } from './settings.ts';
import type { PeerSettings } from './settings.ts';

/** What a Session needs from its SessionManager. */
export interface SessionHost {
  readonly timers: TimerFacility;
  emit(msg: SessionMessage): void;
  connect(opts: ConnectOptions): Promise<net.Socket>;
  /** Routes the timer owner `id` to this session (null: forget it). */
  register(id: string, session: Session | null): void;
  /** 'throw': our own bugs crash loudly (tests); 'reset': logged, the session is reset (production). */
  readonly bugPolicy: 'throw' | 'reset';
  log(level: 'info' | 'warn' | 'error', text: string, peer: string): void;
}

const ORDER: Readonly<Record<StateName, number>> = {
  Idle: 0,
  Connect: 1,
  Active: 1,
  OpenSent: 2,
  OpenConfirm: 3,
  Established: 4,
};

const OPEN_OR_LATER: ReadonlySet<StateName> = new Set([State.OpenSent, State.OpenConfirm, State.Established]);

let nextConnection = 0;

/** RFC 8538: both sides set the N bit on this connection's session (known once its OPEN was accepted). */
function nBitExchanged(conn: Connection): boolean {
  return conn.negotiated?.gracefulRestart.notification === true;
}

/** A small per-peer seed for the FSM's jitter PRNG. */
function seedOf(address: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < address.length; i++) h = Math.imul(h ^ address.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

export class Session {
  readonly peer: string;
  settings: PeerSettings;
  /** @internal for receive.ts */
  readonly host: SessionHost;
  /** @internal */ primary: Connection;
  /** @internal */ secondary: Connection | null = null;
  /** @internal */ readonly prefixes = new PrefixCount();
  /** @internal */ readonly messagesIn: Record<string, number> = {};
  /** @internal */ updatesIn = 0;
  private readonly messagesOut: Record<string, number> = {};
  private updatesOut = 0;
  private disabled: boolean;
  /** RFC 4724 R bit: sent until this session first reaches Established. */
  private restarting: boolean;
  /** Set around calls whose session-down must not keep the peer's routes (operator, config, max-prefix). */
  private administrative = false;
  private disposed = false;
  private readonly outbox: SessionMessage[] = [];
  private flushing = false;
  private establishedTransitions = 0;
  private upSince: number | null = null;
  private lastStateChange = Date.now();
  private lastError: string | null = null;
  private lastNotification: NotificationSummary | null = null;

  constructor(settings: PeerSettings, host: SessionHost, restarting = false) {
    this.peer = settings.address;
    this.settings = settings;
    this.host = host;
    this.disabled = settings.shutdown;
    this.restarting = restarting;
    this.primary = this.newConnection(true);
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** ManualStart (or its passive form): connect, or wait for the peer. No-op when configured down. */
  start(): void {
    if (this.disabled || this.disposed) return;
    if (this.primary.fsm.state !== State.Idle) return;
    this.run(this.primary, {
      kind: this.settings.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart',
    });
  }

  /**
   * Administrative shutdown: Cease / Administrative Shutdown with an RFC 9003 message; stays down.
   * RFC 8538 §5 lists Administrative Shutdown among the Cease subcodes that call for a Hard Reset,
   * so with the N bit exchanged it goes inside a Cease / Hard Reset and the peer flushes our routes.
   */
  disable(message?: string): void {
    this.disabled = true;
    this.stopAll(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, message, true);
  }

  enable(): void {
    this.disabled = false;
    if (this.primary.fsm.state === State.Idle) this.start();
  }

  /**
   * The operator's reset: Cease / Administrative Reset (RFC 4486) with a message, then start again.
   * RFC 8538 §5 leaves Administrative Reset to the implementation ("Provisional"); an operator who
   * resets a session wants it rebuilt from scratch, so with the N bit it is sent as a Hard Reset.
   */
  hardReset(message?: string): void {
    this.stopAll(CeaseSubcode.ADMINISTRATIVE_RESET, message, true);
    this.start();
  }

  /**
   * 'in': ask the peer to send its routes again (ROUTE-REFRESH per family, RFC 2918); 'out': ask
   * the RIB to send ours again (a route-refresh message with origin 'local').
   */
  softReset(direction: 'in' | 'out'): void {
    const conn = this.establishedConnection();
    if (conn === null || conn.negotiated === null)
      throw new Error(`${this.peer}: session is not Established`);
    for (const f of conn.negotiated.families) {
      if (direction === 'in') this.requestRouteRefresh(f.afi, f.safi);
      else
        this.push({
          kind: 'route-refresh',
          peer: this.peer,
          afi: f.afi,
          safi: f.safi,
          subtype: 0,
          origin: 'local',
        });
    }
    this.flush();
  }

  /**
   * Stops with a Cease of this subcode (config removed: 3, changed: 6, daemon stop: 2); stays down.
   * hardReset: wrap it in a Cease / Hard Reset (RFC 8538) on each connection where both sides set
   * the N bit; elsewhere the plain Cease is sent ("SHOULD NOT send a Hard Reset" to a peer that did
   * not advertise the N bit, paraphrased).
   */
  stopAll(subcode: number, message?: string, hardReset = false): void {
    this.administrative = true;
    try {
      for (const conn of this.connections()) {
        this.run(conn, {
          kind: 'ManualStop',
          subcode,
          ...(message === undefined ? {} : { communication: message }),
          ...(hardReset && nBitExchanged(conn) ? { hardReset: true } : {}),
        });
      }
    } finally {
      this.administrative = false;
    }
  }

  /** @internal Max-prefix: the AutomaticStop (Cease/1) must not keep the peer's routes as stale. */
  stopForMaxPrefix(conn: Connection, event: FsmEvent): void {
    this.administrative = true;
    try {
      this.run(conn, event);
    } finally {
      this.administrative = false;
    }
  }

  /**
   * New settings that need no reset (settingsChange 'live'): max-prefix limits apply from now on,
   * checked at once against what the peer already sent; a shutdown flag that changed becomes
   * disable / enable.
   */
  applyLiveSettings(settings: PeerSettings): void {
    const wasShutdown = this.settings.shutdown;
    this.settings = settings;
    if (settings.shutdown && !wasShutdown) this.disable();
    else if (!settings.shutdown && wasShutdown) this.enable();
    const conn = this.establishedConnection();
    if (conn === null) return;
    for (const key of this.prefixes.keys()) if (enforceMaxPrefix(this, conn, key)) return;
  }

  /** New settings (config reload): Cease / Other Configuration Change, then start with them. */
  reconfigure(settings: PeerSettings): void {
    this.stopAll(CeaseSubcode.OTHER_CONFIGURATION_CHANGE);
    this.settings = settings;
    this.disabled = settings.shutdown;
    for (const conn of this.connections()) this.dropConnection(conn);
    this.primary = this.newConnection(true);
    this.start();
  }

  /** Frees everything. abrupt: reset the sockets with nothing sent (as if the process died). */
  dispose(abrupt = false): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const conn of this.connections()) {
      conn.close(abrupt);
      this.host.timers.stopAll(conn.id);
      this.host.register(conn.id, null);
    }
  }

  get state(): StateName {
    return this.visibleState();
  }

  get negotiated(): NegotiatedSession | null {
    return this.establishedConnection()?.negotiated ?? null;
  }

  /** Our address and port on the Established connection (for next-hop-self and the API). */
  get localEndpoint(): { address: string; port: number } | null {
    const sock = this.establishedConnection()?.socket;
    if (sock?.localAddress === undefined || sock.localPort === undefined) return null;
    return { address: sock.localAddress, port: sock.localPort };
  }

  /** The OPEN we sent and the one the peer sent on the Established connection. */
  get localOpen(): OpenMessage | null {
    return this.establishedConnection()?.localOpen ?? null;
  }

  get remoteOpen(): OpenMessage | null {
    return this.establishedConnection()?.remoteOpen ?? null;
  }

  /** The peer's port on the Established connection. */
  get remotePort(): number | null {
    return this.establishedConnection()?.socket?.remotePort ?? null;
  }

  get isDisabled(): boolean {
    return this.disabled;
  }

  // ---- sending (the Adj-RIB-Out's side) --------------------------------------------------------

  /**
   * Queues whole UPDATE messages (e.g. from the packer). Returns false when the output queue is
   * over its limit: stop producing and wait for onDrain. When the session is not Established the
   * buffers are dropped (the RIB sends the whole table again after the next peer-up).
   */
  sendUpdates(buffers: readonly Buffer[]): boolean {
    const conn = this.establishedConnection();
    if (conn === null || conn.queue === null) return true;
    let ok = true;
    for (const buf of buffers) {
      ok = conn.queue.pushBulk(buf);
      this.updatesOut++;
      this.countOut('UPDATE');
    }
    return ok;
  }

  /** Packs one attribute set and its prefixes with the negotiated context, then sendUpdates. */
  sendAnnouncements(attrs: PathAttributes, prefixes: PrefixList, opts?: PackOptions): boolean {
    const ctx = this.negotiated?.context;
    if (ctx === undefined) return true;
    return this.sendUpdates(packAnnouncements(attrs, prefixes, ctx, opts));
  }

  sendWithdrawals(prefixes: PrefixList, opts?: PackOptions & { readonly safi?: number }): boolean {
    const ctx = this.negotiated?.context;
    if (ctx === undefined) return true;
    return this.sendUpdates(packWithdrawals(prefixes, ctx, opts));
  }

  /** RFC 4724 §2 End-of-RIB, queued after the UPDATEs before it. */
  sendEndOfRib(afi: number, safi: number): boolean {
    const ctx = this.negotiated?.context;
    if (ctx === undefined) return true;
    return this.sendUpdates([encodeEndOfRib(afi, safi, ctx)]);
  }

  /** Calls fn once the output queue is under its limit again (at once when not Established). */
  onDrain(fn: () => void): void {
    const conn = this.establishedConnection();
    if (conn === null || conn.queue === null) queueMicrotask(fn);
    else conn.queue.onDrain(fn);
  }

  /** RFC 2918 ROUTE-REFRESH request (subtype 0) for a negotiated family. */
  requestRouteRefresh(afi: number, safi: number): void {
    this.sendRouteRefresh(afi, safi, RouteRefreshSubtype.NORMAL);
  }

  /**
   * RFC 7313 §4: answering a refresh with enhanced route refresh, BoRR before the routes and EoRR
   * after them; both go through the UPDATE queue so they keep their place among the UPDATEs.
   */
  sendRouteRefresh(afi: number, safi: number, subtype: number): void {
    const conn = this.establishedConnection();
    const neg = conn?.negotiated;
    if (conn === null || neg === null || neg === undefined || conn.queue === null) {
      throw new Error(`${this.peer}: session is not Established`);
    }
    if (!neg.routeRefresh) throw new Error(`${this.peer}: the peer did not advertise route refresh`);
    if (subtype !== RouteRefreshSubtype.NORMAL && !neg.enhancedRouteRefresh) {
      throw new Error(`${this.peer}: enhanced route refresh was not negotiated`);
    }
    const buf = encodeRouteRefresh({ type: 'route-refresh', afi, safi, subtype });
    if (subtype === RouteRefreshSubtype.NORMAL) conn.queue.pushUrgent(buf);
    else conn.queue.pushBulk(buf);
    this.countOut('ROUTE-REFRESH');
  }

  counters(): SessionCounters {
    const prefixesReceived: Record<string, number> = {};
    for (const key of this.prefixes.keys()) prefixesReceived[familyText(key)] = this.prefixes.count(key);
    const conn = this.establishedConnection();
    return {
      peer: this.peer,
      state: this.visibleState(),
      messagesIn: { ...this.messagesIn },
      messagesOut: { ...this.messagesOut },
      updatesIn: this.updatesIn,
      updatesOut: this.updatesOut,
      prefixesReceived,
      establishedTransitions: this.establishedTransitions,
      upSince: this.upSince,
      lastStateChange: this.lastStateChange,
      uptimeSeconds: this.upSince === null ? 0 : Math.floor((Date.now() - this.upSince) / 1000),
      lastError: this.lastError,
      lastNotification: this.lastNotification,
      outputBacklog: conn?.queue?.backlog ?? 0,
      negotiated: conn?.negotiated ?? null,
    };
  }

  // ---- inputs from the manager -----------------------------------------------------------------

  /** A connection the listener accepted from this peer. */
  incoming(socket: net.Socket): void {
    const refuse = (why: string) => {
      this.host.log('info', `incoming connection refused: ${why}`, this.peer);
      socket.on('error', () => {});
      socket.destroy();
    };
    if (this.disposed) return refuse('session removed');
    const p = this.primary;
    // RFC 4271 §8.2.2 Idle: "In this state, BGP FSM refuses all incoming BGP connections for this peer."
    if (p.fsm.state === State.Idle) return refuse(`in Idle (${p.fsm.reason})`);
    if (
      p.socket === null &&
      !p.connectPending &&
      (p.fsm.state === State.Active || p.fsm.state === State.Connect)
    ) {
      this.attach(p, socket, 'incoming');
      this.run(p, { kind: 'TcpConnectionConfirmed' });
      return;
    }
    if (this.secondary !== null) return refuse('two connections to this peer already exist');
    // RFC 4271 §8.2.2: "a second TCP connection may be in progress. This second TCP connection is
    // tracked per Connection Collision processing (Section 6.8)": its own FSM.
    const c = this.newConnection(false);
    this.secondary = c;
    this.run(c, { kind: 'ManualStart_with_PassiveTcpEstablishment' });
    this.attach(c, socket, 'incoming');
    this.run(c, { kind: 'TcpConnectionConfirmed' });
  }

  /** A timer of one of this session's connections expired. */
  timerExpired(connectionId: string, name: string): void {
    const conn = this.connections().find((c) => c.id === connectionId);
    if (conn === undefined) return;
    this.run(conn, timerEvent(name as TimerName));
  }

  // ---- the driver ------------------------------------------------------------------------------

  /** @internal Steps one connection's FSM and performs its actions; messages go out in order. */
  run(conn: Connection, event: FsmEvent): void {
    if (this.disposed) return;
    const before = this.visibleState();
    const r = step(conn.fsm, event);
    conn.fsm = r.state;
    const after = this.visibleState();
    if (after !== before) {
      this.lastStateChange = Date.now();
      // Why the session is down: entering Idle, or a failed connect that now waits in Active.
      if (after === State.Idle || (event.kind === 'TcpConnectionFails' && after === State.Active)) {
        this.lastError = r.reason;
      }
      this.push({ kind: 'session-state', peer: this.peer, from: before, to: after, reason: r.reason });
    }
    for (const a of r.actions) this.perform(conn, a);
    this.settle();
    this.flush();
  }

  private perform(conn: Connection, a: FsmAction): void {
    switch (a.kind) {
      case 'connect':
        this.connect(conn);
        return;
      case 'drop-connection':
        this.dropConnection(conn);
        return;
      case 'send-open': {
        const open = localOpen(this.settings, this.restarting);
        conn.localOpen = open;
        this.writeUrgent(conn, encodeOpen(open), 'OPEN');
        return;
      }
      case 'send-keepalive':
        this.writeUrgent(conn, encodeKeepalive(), 'KEEPALIVE');
        return;
      case 'send-notification': {
        const n = { type: 'notification' as const, code: a.code, subcode: a.subcode, data: a.data };
        this.writeUrgent(conn, encodeNotification(n), 'NOTIFICATION');
        this.noteNotification(conn, 'sent', n.code, n.subcode, n.data);
        return;
      }
      case 'start-timer':
        this.host.timers.start(conn.id, a.timer, a.seconds);
        return;
      case 'stop-timer':
        this.host.timers.stop(conn.id, a.timer);
        return;
      case 'session-up':
        this.up(conn);
        return;
      case 'session-down':
        this.down(conn, a.reason);
        return;
      case 'process-update':
      case 'process-route-refresh':
        if (conn.pending !== null) this.push(conn.pending);
        conn.pending = null;
        return;
      case 'release-resources':
        conn.queue?.close();
        conn.queue = null;
        conn.negotiated = null;
        return;
    }
  }

  /** @internal Records a NOTIFICATION and tells the subscriber, decoded. */
  noteNotification(
    conn: Connection,
    direction: 'sent' | 'received',
    code: number,
    subcode: number,
    data: Uint8Array,
  ): void {
    const text = describeNotification({ type: 'notification', code, subcode, data });
    const summary: NotificationSummary = { direction, code, subcode, data, text, at: Date.now() };
    conn.notification = summary;
    this.lastNotification = summary;
    // Not also written to host.log: the message is the record, and its subscriber (the daemon's
    // log, the API) shows it once, with code and subcode as fields.
    this.push({ kind: 'notification', peer: this.peer, direction, code, subcode, text });
  }

  private connect(conn: Connection): void {
    const attempt = ++conn.attempt;
    conn.connectPending = true;
    const s = this.settings;
    this.host
      .connect({
        peer: s.address,
        port: s.port,
        ...(s.sourceAddress === undefined ? {} : { localAddress: s.sourceAddress }),
        ...(s.password === undefined ? {} : { md5Key: s.password }),
        ...(s.multihop === undefined ? {} : { ttl: s.multihop }),
        ...(s.ttlSecurity === undefined ? {} : { ttlSecurity: s.ttlSecurity }),
        timeoutMs: s.connectTimeoutMs,
      })
      .then(
        (socket) => {
          if (conn.attempt !== attempt || this.disposed || conn.socket !== null) {
            socket.destroy();
            return;
          }
          this.attach(conn, socket, 'outgoing');
          this.run(conn, { kind: 'Tcp_CR_Acked' });
        },
        (err: unknown) => {
          if (conn.attempt !== attempt || this.disposed) return;
          conn.connectPending = false;
          const why = err instanceof Error ? err.message : String(err);
          this.host.log('info', why, this.peer);
          this.run(conn, { kind: 'TcpConnectionFails', why });
        },
      );
  }

  private attach(conn: Connection, socket: net.Socket, direction: 'outgoing' | 'incoming'): void {
    conn.attach(socket, direction);
    conn.onUpdateWritten = () => this.updateWritten(conn);
    let lastError = '';
    socket.on('data', (chunk: Buffer) => {
      if (conn.socket === socket) this.guard(conn, () => receiveData(this, conn, socket, chunk));
    });
    socket.on('drain', () => {
      if (conn.socket === socket) conn.queue?.drained();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      lastError = err.code ?? err.message;
    });
    socket.on('close', () => {
      if (conn.socket !== socket) return;
      conn.socket = null;
      const why = `connection closed by the peer${lastError === '' ? '' : ` (${lastError})`}`;
      this.run(conn, { kind: 'TcpConnectionFails', why });
    });
  }

  /**
   * RFC 4271 §8.2.2 Established: "Each time the local system sends a KEEPALIVE or UPDATE message,
   * it restarts its KeepaliveTimer, unless the negotiated HoldTime value is zero." The UPDATEs
   * handed to the socket in one tick become one UpdateSent event, so a stream of UPDATEs replaces
   * the KEEPALIVEs. UPDATEs still waiting in the output queue do not count: the peer has not got them.
   */
  private updateWritten(conn: Connection): void {
    if (conn.updateSentPending) return;
    conn.updateSentPending = true;
    queueMicrotask(() => {
      conn.updateSentPending = false;
      if (conn.socket !== null && conn.fsm.state === State.Established)
        this.run(conn, { kind: 'UpdateSent' });
    });
  }

  /** Our bugs crash loudly under bugPolicy 'throw'; under 'reset' they are logged and the session reset. */
  private guard(conn: Connection, fn: () => void): void {
    if (this.host.bugPolicy === 'throw') {
      fn();
      return;
    }
    try {
      fn();
    } catch (err) {
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.host.log('error', `internal error, resetting the session: ${text}`, this.peer);
      this.run(conn, { kind: 'AutomaticStop', why: 'internal error' });
    }
  }

  private dropConnection(conn: Connection): void {
    conn.close();
  }

  private writeUrgent(conn: Connection, buf: Buffer, type: string): void {
    if (conn.queue === null) return;
    conn.queue.pushUrgent(buf);
    this.countOut(type);
  }

  private countOut(type: string): void {
    this.messagesOut[type] = (this.messagesOut[type] ?? 0) + 1;
  }

  private up(conn: Connection): void {
    const neg = conn.negotiated;
    if (neg === null) throw new Error('session-up without a negotiated session');
    this.restarting = false;
    this.establishedTransitions++;
    this.upSince = Date.now();
    this.prefixes.clear();
    this.host.log('info', `Established: AS ${neg.remoteAs}, hold time ${neg.holdTime} s`, this.peer);
    this.push({ kind: 'peer-up', peer: this.peer, negotiated: neg });
  }

  private down(conn: Connection, reason: string): void {
    const neg = conn.negotiated;
    const gr = neg?.gracefulRestart;
    const peerGr = gr?.peer ?? null;
    const n = conn.notification;
    let stale = false;
    if (
      gr !== undefined &&
      gr.both &&
      peerGr !== null &&
      peerGr.families.length > 0 &&
      !this.administrative
    ) {
      if (n === null) {
        // RFC 4724 §4.2: "When the Receiving Speaker detects termination of the TCP session for a
        // BGP session with a peer that has advertised the Graceful Restart Capability, it MUST retain
        // the routes received from the peer for all the address families that were previously
        // received in the Graceful Restart Capability and MUST mark them as stale routing information."
        stale = true;
      } else {
        // RFC 8538 (paraphrased): with the N bit exchanged, a NOTIFICATION other than Cease / Hard
        // Reset is handled like a TCP failure (graceful restart applies); Hard Reset flushes.
        stale = gr.notification && !(n.code === ErrorCode.CEASE && n.subcode === CeaseSubcode.HARD_RESET);
      }
    }
    this.upSince = null;
    this.prefixes.clear();
    this.push({
      kind: 'peer-down',
      peer: this.peer,
      reason,
      ...(n === null ? {} : { notification: n }),
      gracefulRestart: {
        stale,
        restartTime: peerGr?.restartTime ?? 0,
        families: peerGr?.families ?? [],
      },
    });
  }

  /**
   * @internal The OPEN passed the checks on `conn`: collision detection (RFC 4271 §6.8) against the
   * other connection, then BGPOpen on the one that is kept.
   */
  acceptOpen(conn: Connection, remote: OpenMessage, neg: NegotiatedSession): void {
    if (this.settings.remoteAs === 'external' && neg.remoteAs === this.settings.localAs) {
      const e = openMessageError(
        OpenSubcode.BAD_PEER_AS,
        `peer AS ${neg.remoteAs} is our own; configured external`,
      );
      this.run(conn, { kind: 'BGPOpenMsgErr', error: e, why: e.detail });
      return;
    }
    conn.remoteOpen = remote;
    conn.negotiated = neg;
    const other = conn === this.primary ? this.secondary : this.primary;
    let closeOther = false;
    if (other !== null && other.socket !== null && OPEN_OR_LATER.has(other.fsm.state)) {
      const oldGr = other.negotiated?.gracefulRestart.both === true;
      if (other.fsm.state === State.Established && oldGr) {
        // RFC 4724 §4.2 (paraphrased): an OPEN on a new connection from a peer whose previous
        // session is still Established means the peer restarted: the old session is closed as if
        // its TCP connection had failed (routes kept stale), and the new one proceeds.
        this.run(other, {
          kind: 'TcpConnectionFails',
          why: 'the peer restarted: a new connection replaced it',
        });
      } else {
        const d = resolveCollision({
          existing: { state: other.fsm.state, direction: other.direction },
          received: { state: conn.fsm.state, direction: conn.direction },
          localBgpId: this.settings.routerId,
          remoteBgpId: remote.bgpId,
          localAs: this.settings.localAs,
          remoteAs: neg.remoteAs,
          remoteBgpIdKnown: other.remoteOpen !== null,
        });
        if (d.collision) {
          this.host.log('info', d.reason, this.peer);
          if (d.close === 'received') {
            this.run(conn, { kind: 'OpenCollisionDump' });
            return;
          }
          closeOther = true;
        }
      }
    }
    if (neg.context.extendedMessage) conn.framer.maxLength = maxMessageLength(neg.context);
    this.run(conn, { kind: 'BGPOpen', holdTimeSeconds: neg.holdTime });
    if (closeOther && other !== null) this.run(other, { kind: 'OpenCollisionDump' });
  }

  /** Disposes an idle second FSM, or promotes it when the primary has fallen back (collision won). */
  private settle(): void {
    const sec = this.secondary;
    if (sec === null) return;
    if (sec.fsm.state === State.Idle) {
      this.retire(sec);
      this.secondary = null;
      return;
    }
    const p = this.primary.fsm;
    // The primary has fallen back (Idle), or waits with no connection and no connect in progress.
    const fallenBack =
      p.state === State.Idle ||
      (ORDER[p.state] === ORDER.Active && this.primary.socket === null && !this.primary.connectPending);
    if (fallenBack && OPEN_OR_LATER.has(sec.fsm.state)) {
      this.retire(this.primary);
      // The survivor carries the peer on: it restarts itself after a failure and keeps the backoff.
      sec.fsm = {
        ...sec.fsm,
        allowAutomaticStart: !this.disabled && p.config.allowAutomaticStart,
        passiveTcpEstablishment: this.settings.passive,
        backoffLevel: p.backoffLevel,
        flapCount: p.flapCount,
      };
      this.primary = sec;
      this.secondary = null;
    }
  }

  private retire(conn: Connection): void {
    conn.close();
    this.host.timers.stopAll(conn.id);
    this.host.register(conn.id, null);
  }

  private newConnection(primary: boolean): Connection {
    const config = fsmConfigOf(this.settings);
    const fsm = createFsm(primary ? config : { ...config, allowAutomaticStart: false }, seedOf(this.peer));
    const conn = new Connection(`${this.peer}#${++nextConnection}`, fsm);
    this.host.register(conn.id, this);
    return conn;
  }

  private connections(): Connection[] {
    return this.secondary === null ? [this.primary] : [this.primary, this.secondary];
  }

  private establishedConnection(): Connection | null {
    for (const c of this.connections()) if (c.fsm.state === State.Established) return c;
    return null;
  }

  /** The state shown for the peer: the furthest of its connections. */
  private visibleState(): StateName {
    const p = this.primary.fsm.state;
    const s = this.secondary?.fsm.state;
    return s !== undefined && ORDER[s] > ORDER[p] ? s : p;
  }

  /** @internal */
  push(msg: SessionMessage): void {
    this.outbox.push(msg);
  }

  /** @internal Delivers queued messages in order; re-entrant calls leave it to the outer loop. */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let msg = this.outbox.shift(); msg !== undefined; msg = this.outbox.shift()) this.host.emit(msg);
    } finally {
      this.flushing = false;
    }
  }
}
