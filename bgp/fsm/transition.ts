// One transition under construction, and the paths RFC 4271 §8.2.2 repeats in many states (go to
// Idle after a failure, ManualStop, send OPEN, accept the peer's OPEN). In: the state before the
// event. Out: a StepResult {state, actions, reason}. A Transition is created and finished inside
// one step() call, so step() stays a pure function of (state, event).
import { CeaseSubcode, ErrorCode } from '../wire/iana/error-codes.ts';
import type { FsmAction, TimerName } from './actions.ts';
import { connectRetryBaseSeconds, idleHoldBaseSeconds, jitter } from './backoff.ts';
import type { NotificationFields } from './events.ts';
import { keepaliveFor } from './hold-time.ts';
import {
  describeNotification as describeWireNotification,
  encodeShutdownCommunication,
} from '../wire/notification.ts';
import { State } from './states.ts';
import type { FsmState, StateName } from './states.ts';

export interface StepResult {
  readonly state: FsmState;
  readonly actions: readonly FsmAction[];
  /** Why: e.g. "Hold timer expired after 9 s". Also stored in state.reason when the state changed. */
  readonly reason: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const EMPTY = new Uint8Array(0);

export class Transition {
  readonly from: FsmState;
  readonly next: Mutable<FsmState>;
  readonly actions: FsmAction[] = [];
  private readonly running: Record<TimerName, boolean>;

  constructor(from: FsmState) {
    this.from = from;
    this.running = { ...from.running };
    this.next = { ...from, running: this.running };
  }

  isRunning(timer: TimerName): boolean {
    return this.running[timer];
  }

  /** The timer whose expiry is being handled is no longer running. */
  expired(timer: TimerName): void {
    this.running[timer] = false;
  }

  start(timer: TimerName, seconds: number): this {
    this.actions.push({ kind: 'start-timer', timer, seconds });
    this.running[timer] = true;
    return this;
  }

  /** RFC 4271 "stops the X timer and sets it to zero". Only running timers produce an action. */
  stop(timer: TimerName): this {
    if (this.running[timer]) {
      this.actions.push({ kind: 'stop-timer', timer });
      this.running[timer] = false;
    }
    return this;
  }

  emit(action: FsmAction): this {
    this.actions.push(action);
    return this;
  }

  notify(n: NotificationFields): this {
    return this.emit({ kind: 'send-notification', code: n.code, subcode: n.subcode, data: n.data });
  }

  /** ConnectRetryTimer with the current backoff interval and jitter (backoff.ts). */
  startConnectRetryTimer(): this {
    const j = jitter(connectRetryBaseSeconds(this.next.config, this.next.backoffLevel), this.next.rng);
    this.next.rng = j.rng;
    return this.start('ConnectRetryTimer', j.seconds);
  }

  /** The RFC's "sets the HoldTimer to a large value" (4 minutes suggested) while waiting for the OPEN. */
  sendOpenAndWait(): this {
    this.emit({ kind: 'send-open' });
    return this.start('HoldTimer', this.next.config.largeHoldTimeSeconds);
  }

  /** Take the negotiated hold time from the peer's OPEN and start the HoldTimer/KeepaliveTimer, or neither for 0. */
  acceptHoldTime(holdTimeSeconds: number): this {
    this.next.holdTimeSeconds = holdTimeSeconds;
    this.next.keepaliveTimeSeconds = keepaliveFor(holdTimeSeconds, this.next.config.keepaliveTimeSeconds);
    if (holdTimeSeconds === 0) {
      // RFC 4271 §8.2.2 OpenSent: "If the negotiated hold time value is zero, then the HoldTimer
      // and KeepaliveTimer are not started." The large OpenSent HoldTimer is stopped too.
      this.stop('KeepaliveTimer').stop('HoldTimer');
    } else {
      this.start('KeepaliveTimer', this.next.keepaliveTimeSeconds).start('HoldTimer', holdTimeSeconds);
    }
    return this;
  }

  /** Restart the HoldTimer on a KEEPALIVE or UPDATE, "if the negotiated HoldTime value is non-zero". */
  restartHoldTimer(): this {
    if (this.next.holdTimeSeconds !== 0) this.start('HoldTimer', this.next.holdTimeSeconds);
    return this;
  }

  finish(to: StateName, reason: string): StepResult {
    this.next.state = to;
    if (to !== this.from.state) this.next.reason = reason;
    return { state: this.next, actions: this.actions, reason };
  }
}

/** Nothing happens: the event is ignored in this state (with the reason why). */
export function ignore(s: FsmState, reason: string): StepResult {
  return { state: s, actions: [], reason };
}

export interface FailureOptions {
  /** NOTIFICATION to send before closing. */
  readonly notify?: NotificationFields;
  /** Increment ConnectRetryCounter (RFC 4271; NotifMsgVerErr and some TCP failures do not). */
  readonly count: boolean;
  /** Count the failure in the backoff (default: same as count). */
  readonly backoff?: boolean;
  /** 'backoff': restart after the IdleHoldTimer; 'none': stay in Idle; a number: restart after that many seconds. */
  readonly restart?: 'backoff' | 'none' | number;
}

/**
 * The path most branches of RFC 4271 §8.2.2 end in: (send the NOTIFICATION,) set the
 * ConnectRetryTimer to zero, (delete all routes associated with this connection,) release all BGP
 * resources, drop the TCP connection, increment the ConnectRetryCounter, (optionally) perform peer
 * oscillation damping, and change the state to Idle. The automatic restart is podbgp's: see
 * scheduleAutomaticRestart.
 */
export function toIdle(tx: Transition, reason: string, o: FailureOptions): StepResult {
  if (o.notify !== undefined) tx.notify(o.notify);
  const wasEstablished = tx.from.state === State.Established;
  const wasStable = wasEstablished && !tx.isRunning('StableTimer');
  for (const t of [
    'ConnectRetryTimer',
    'DelayOpenTimer',
    'HoldTimer',
    'KeepaliveTimer',
    'StableTimer',
  ] as const)
    tx.stop(t);
  if (wasEstablished) tx.emit({ kind: 'session-down', reason });
  tx.emit({ kind: 'drop-connection' }).emit({ kind: 'release-resources' });
  tx.next.holdTimeSeconds = 0;
  tx.next.keepaliveTimeSeconds = 0;
  if (o.count) tx.next.connectRetryCounter = tx.from.connectRetryCounter + 1;
  if (o.backoff ?? o.count) {
    tx.next.backoffLevel = tx.from.backoffLevel + 1;
    // A session that dies before it was stable is an oscillation (RFC 4271 §8.1.1 group 1).
    if (wasEstablished && !wasStable) tx.next.flapCount = tx.from.flapCount + 1;
  }
  scheduleAutomaticRestart(tx, o.restart ?? 'backoff');
  return tx.finish(State.Idle, reason);
}

/**
 * RFC 4271 §8.1.1: "IdleHoldTime specifies the length of time the BGP peer is held in the Idle
 * state prior to allowing the next automatic restart." With AllowAutomaticStart, podbgp starts the
 * IdleHoldTimer on entering Idle after a failure; its expiry restarts the peer (step.ts).
 */
function scheduleAutomaticRestart(tx: Transition, restart: 'backoff' | 'none' | number): void {
  if (restart === 'none') tx.next.allowAutomaticStart = false;
  if (!tx.next.allowAutomaticStart) return;
  if (typeof restart === 'number') {
    tx.start('IdleHoldTimer', restart);
    return;
  }
  const n = tx.next;
  const base = idleHoldBaseSeconds(n.config, n.backoffLevel, n.flapCount, n.dampPeerOscillations);
  const j = jitter(base, n.rng);
  n.rng = j.rng;
  tx.start('IdleHoldTimer', j.seconds);
}

/**
 * RFC 8538 §3 (paraphrased): a Cease / Hard Reset carries the reason for the reset in its Data
 * field: the ErrCode (1 octet) and Subcode (1 octet) of the NOTIFICATION that would have been sent,
 * followed by that NOTIFICATION's own Data.
 */
export function hardResetNotification(inner: NotificationFields): NotificationFields {
  const data = new Uint8Array(2 + inner.data.length);
  data[0] = inner.code;
  data[1] = inner.subcode;
  data.set(inner.data, 2);
  return { code: ErrorCode.CEASE, subcode: CeaseSubcode.HARD_RESET, data };
}

/**
 * The Cease that ManualStop sends: Administrative Shutdown with an RFC 9003 communication by
 * default; wrapped in a Cease / Hard Reset when `hardReset` is set.
 */
/** Human text of a NOTIFICATION's fields (bgp/wire/notification.ts does the decoding). */
export function describeNotification(n: NotificationFields): string {
  return describeWireNotification({ type: 'notification', code: n.code, subcode: n.subcode, data: n.data });
}

export function manualStopNotification(
  subcode: number | undefined,
  communication: string | undefined,
  hardReset = false,
): NotificationFields {
  const sub = subcode ?? CeaseSubcode.ADMINISTRATIVE_SHUTDOWN;
  const carriesText =
    sub === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || sub === CeaseSubcode.ADMINISTRATIVE_RESET;
  const data =
    communication !== undefined && carriesText ? encodeShutdownCommunication(communication) : EMPTY;
  const n = { code: ErrorCode.CEASE, subcode: sub, data };
  return hardReset && sub !== CeaseSubcode.HARD_RESET ? hardResetNotification(n) : n;
}

/**
 * ManualStop in any state but Idle: close (with the Cease when `notify` is given), set the
 * ConnectRetryCounter to zero and stay in Idle until the next start event (no automatic restart).
 */
export function manualStop(tx: Transition, notify: NotificationFields | undefined): StepResult {
  const reason =
    notify === undefined
      ? 'ManualStop: stopped by the operator'
      : `ManualStop: sent NOTIFICATION ${describeNotification(notify)}`;
  const r = toIdle(
    tx,
    reason,
    notify === undefined ? { count: false, restart: 'none' } : { notify, count: false, restart: 'none' },
  );
  const next = { ...r.state, connectRetryCounter: 0, backoffLevel: 0, flapCount: 0 };
  return { state: next, actions: r.actions, reason: r.reason };
}

/** AutomaticStop (Event 8): the Cease to send, wrapped in a Cease / Hard Reset when `hardReset` is set. */
export function automaticStopNotification(
  subcode: number | undefined,
  data: Uint8Array | undefined,
  hardReset = false,
): NotificationFields {
  const n = { code: ErrorCode.CEASE, subcode: subcode ?? 0, data: data ?? EMPTY };
  return hardReset ? hardResetNotification(n) : n;
}

export function restartOption(restartAfterSeconds: number | null | undefined): 'backoff' | 'none' | number {
  if (restartAfterSeconds === undefined) return 'backoff';
  return restartAfterSeconds === null ? 'none' : restartAfterSeconds;
}

/** "sent NOTIFICATION Finite State Machine Error / ...: why" */
export function sentText(n: NotificationFields, why?: string): string {
  return `sent NOTIFICATION ${describeNotification(n)}${why === undefined ? '' : `: ${why}`}`;
}

export function receivedText(n: NotificationFields): string {
  return `received NOTIFICATION ${describeNotification(n)}`;
}
