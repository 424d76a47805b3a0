// The FSM's data: the six states of RFC 4271 §8.2.2, the session attributes of RFC 4271 §8
// (mandatory and optional) as plain immutable objects, and the configuration a peer's FSM is made
// from. step() takes one FsmState and returns the next; nothing here has behaviour beyond
// construction and validation.
import type { TimerName } from './actions.ts';

export const State = {
  Idle: 'Idle',
  Connect: 'Connect',
  Active: 'Active',
  OpenSent: 'OpenSent',
  OpenConfirm: 'OpenConfirm',
  Established: 'Established',
} as const;
export type StateName = (typeof State)[keyof typeof State];

/** Per-peer settings. Times are seconds. */
export interface FsmConfig {
  /** ConnectRetryTime (RFC 4271 §10 suggests 120 s): the first ConnectRetryTimer value, before jitter. */
  readonly connectRetryTimeSeconds: number;
  /** The cap the ConnectRetry backoff doubles up to. */
  readonly connectRetryMaxSeconds: number;
  /** HoldTime we offer in our OPEN (RFC 4271 §10 suggests 90 s); 0 or at least 3. */
  readonly holdTimeSeconds: number;
  /** KeepaliveTime if set lower than a third of the negotiated hold time (RFC 4271 §10). */
  readonly keepaliveTimeSeconds: number | null;
  /** RFC 4271 §8.2.2: "A HoldTimer value of 4 minutes is suggested" while waiting for the OPEN. */
  readonly largeHoldTimeSeconds: number;
  /** Optional attributes DelayOpen / DelayOpenTime (RFC 4271 §8.1.1 group 4). */
  readonly delayOpen: boolean;
  readonly delayOpenTimeSeconds: number;
  /** PassiveTcpEstablishment used when a start event does not say (RFC 4271 §8.1.1 group 3). */
  readonly passiveTcpEstablishment: boolean;
  /** AllowAutomaticStart: after a failure the FSM restarts itself when the IdleHoldTimer expires. */
  readonly allowAutomaticStart: boolean;
  /** DampPeerOscillations / IdleHoldTime (RFC 4271 §8.1.1 group 1): a flapping peer waits longer. */
  readonly dampPeerOscillations: boolean;
  readonly idleHoldTimeSeconds: number;
  readonly idleHoldMaxSeconds: number;
  /** SendNOTIFICATIONwithoutOPEN (RFC 4271 §8.1.1 group 4). */
  readonly sendNotificationWithoutOpen: boolean;
  /** How long a session must stay Established before the backoff forgets earlier failures. */
  readonly stableTimeSeconds: number;
}

export const DEFAULT_FSM_CONFIG: FsmConfig = {
  connectRetryTimeSeconds: 5,
  connectRetryMaxSeconds: 120,
  holdTimeSeconds: 90,
  keepaliveTimeSeconds: null,
  largeHoldTimeSeconds: 240,
  delayOpen: false,
  delayOpenTimeSeconds: 5,
  passiveTcpEstablishment: false,
  allowAutomaticStart: true,
  dampPeerOscillations: false,
  idleHoldTimeSeconds: 30,
  idleHoldMaxSeconds: 600,
  sendNotificationWithoutOpen: false,
  stableTimeSeconds: 60,
};

/** Which timers are running, so "if the DelayOpenTimer is running" is a lookup, and stale expiries can be told apart. */
export type RunningTimers = Readonly<Record<TimerName, boolean>>;

export const NO_TIMERS: RunningTimers = {
  ConnectRetryTimer: false,
  HoldTimer: false,
  KeepaliveTimer: false,
  DelayOpenTimer: false,
  IdleHoldTimer: false,
  StableTimer: false,
};

export interface FsmState {
  readonly state: StateName;
  readonly config: FsmConfig;
  /** RFC 4271 §8: "the number of times a BGP peer has tried to establish a peer session". */
  readonly connectRetryCounter: number;
  /** Consecutive failed attempts since the last stable session: the exponent of the backoff. */
  readonly backoffLevel: number;
  /** Failures after reaching Established since the last stable session (DampPeerOscillations). */
  readonly flapCount: number;
  /** PassiveTcpEstablishment, DampPeerOscillations and AllowAutomaticStart as currently in force. */
  readonly passiveTcpEstablishment: boolean;
  readonly dampPeerOscillations: boolean;
  readonly allowAutomaticStart: boolean;
  /** Negotiated HoldTime / KeepaliveTime, set on the OPEN (0 when the hold time is 0). */
  readonly holdTimeSeconds: number;
  readonly keepaliveTimeSeconds: number;
  readonly running: RunningTimers;
  /** xorshift32 state for jitter; never 0. */
  readonly rng: number;
  /** Why the FSM is in its current state (the reason of the last state change). */
  readonly reason: string;
}

/** Check a configuration; throws RangeError naming the bad field (our caller's bug, not the peer's). */
export function validateFsmConfig(c: FsmConfig): FsmConfig {
  const nonNegative = (name: keyof FsmConfig, v: number) => {
    if (!(v >= 0) || !Number.isFinite(v))
      throw new RangeError(`FSM config ${name}: ${v} is not a time in seconds`);
  };
  nonNegative('connectRetryTimeSeconds', c.connectRetryTimeSeconds);
  nonNegative('connectRetryMaxSeconds', c.connectRetryMaxSeconds);
  nonNegative('holdTimeSeconds', c.holdTimeSeconds);
  nonNegative('largeHoldTimeSeconds', c.largeHoldTimeSeconds);
  nonNegative('delayOpenTimeSeconds', c.delayOpenTimeSeconds);
  nonNegative('idleHoldTimeSeconds', c.idleHoldTimeSeconds);
  nonNegative('idleHoldMaxSeconds', c.idleHoldMaxSeconds);
  nonNegative('stableTimeSeconds', c.stableTimeSeconds);
  // RFC 4271 §4.2: "Hold Time MUST be either zero or at least three seconds."
  if (
    c.holdTimeSeconds > 65535 ||
    (c.holdTimeSeconds > 0 && c.holdTimeSeconds < 3) ||
    !Number.isInteger(c.holdTimeSeconds)
  ) {
    throw new RangeError(
      `FSM config holdTimeSeconds: ${c.holdTimeSeconds} must be 0 or an integer from 3 to 65535`,
    );
  }
  if (c.keepaliveTimeSeconds !== null && !(c.keepaliveTimeSeconds >= 1)) {
    throw new RangeError(
      `FSM config keepaliveTimeSeconds: ${c.keepaliveTimeSeconds} must be at least 1 or null`,
    );
  }
  if (c.connectRetryMaxSeconds < c.connectRetryTimeSeconds) {
    throw new RangeError('FSM config connectRetryMaxSeconds is below connectRetryTimeSeconds');
  }
  if (c.idleHoldMaxSeconds < c.idleHoldTimeSeconds) {
    throw new RangeError('FSM config idleHoldMaxSeconds is below idleHoldTimeSeconds');
  }
  return c;
}

/**
 * A new FSM in Idle, as RFC 4271 §8.2.2 begins: "Initially, the BGP peer FSM is in the Idle state."
 * seed feeds the jitter PRNG; give each peer a different one (e.g. a hash of its address).
 */
export function createFsm(config: Partial<FsmConfig> = {}, seed = 0x9e3779b9): FsmState {
  const full = validateFsmConfig({ ...DEFAULT_FSM_CONFIG, ...config });
  return {
    state: State.Idle,
    config: full,
    connectRetryCounter: 0,
    backoffLevel: 0,
    flapCount: 0,
    passiveTcpEstablishment: full.passiveTcpEstablishment,
    dampPeerOscillations: full.dampPeerOscillations,
    allowAutomaticStart: full.allowAutomaticStart,
    holdTimeSeconds: 0,
    keepaliveTimeSeconds: 0,
    running: NO_TIMERS,
    rng: seed >>> 0 || 1,
    reason: 'not started',
  };
}
