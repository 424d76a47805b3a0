// FSM outputs: what step() asks the session driver to do, as data, in the order to do it.
// The driver performs them: socket work (connect, drop-connection, send-*), timers in the shared
// facility (bgp/timers.ts, keyed by the connection and the timer name), and messages to the RIB
// (session-up, session-down, process-update, process-route-refresh).

/** RFC 4271 §8 timer names, plus podbgp's StableTimer (see events.ts). */
export const TimerName = {
  ConnectRetryTimer: 'ConnectRetryTimer',
  HoldTimer: 'HoldTimer',
  KeepaliveTimer: 'KeepaliveTimer',
  DelayOpenTimer: 'DelayOpenTimer',
  IdleHoldTimer: 'IdleHoldTimer',
  StableTimer: 'StableTimer',
} as const;
export type TimerName = (typeof TimerName)[keyof typeof TimerName];

export const ALL_TIMERS: readonly TimerName[] = Object.values(TimerName);

/** The event a timer's expiry becomes. */
export const TIMER_EVENT = {
  ConnectRetryTimer: 'ConnectRetryTimer_Expires',
  HoldTimer: 'HoldTimer_Expires',
  KeepaliveTimer: 'KeepaliveTimer_Expires',
  DelayOpenTimer: 'DelayOpenTimer_Expires',
  IdleHoldTimer: 'IdleHoldTimer_Expires',
  StableTimer: 'StableTimer_Expires',
} as const satisfies Record<TimerName, string>;

export type FsmAction =
  /** Initiate a TCP connection to the peer (RFC 4271 "initiates a TCP connection"). */
  | { readonly kind: 'connect' }
  /** Close this connection's TCP socket (after sending any NOTIFICATION before it in the list). */
  | { readonly kind: 'drop-connection' }
  | { readonly kind: 'send-open' }
  | { readonly kind: 'send-keepalive' }
  | {
      readonly kind: 'send-notification';
      readonly code: number;
      readonly subcode: number;
      readonly data: Uint8Array;
    }
  /** Start, or restart if running, a timer to expire after `seconds` (may be fractional: jitter). */
  | { readonly kind: 'start-timer'; readonly timer: TimerName; readonly seconds: number }
  | { readonly kind: 'stop-timer'; readonly timer: TimerName }
  /** Entered Established: the RIB may send the initial table. */
  | { readonly kind: 'session-up' }
  /** Left Established: "deletes all routes associated with this connection" (RFC 4271 §8.2.2). */
  | { readonly kind: 'session-down'; readonly reason: string }
  /** Hand the UPDATE just received to the RIB. */
  | { readonly kind: 'process-update' }
  /** Hand the ROUTE-REFRESH just received to the Adj-RIB-Out. */
  | { readonly kind: 'process-route-refresh' }
  /** RFC 4271 "releases all BGP resources": free the connection's buffers and queues. */
  | { readonly kind: 'release-resources' };

export type FsmActionKind = FsmAction['kind'];
