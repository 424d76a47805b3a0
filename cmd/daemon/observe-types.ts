// The typed messages that observability (log.ts, metrics.ts, health.ts) takes in. Each is a
// structural subset of what the owners emit: the session layer (session-state, peer-up,
// peer-down, update, end-of-rib, notification, max-prefix, message counters), the RIB (fib-change)
// and the kernel owner rib/fib/fib.ts (fib-installed, -removed, -failed, -reconciled). Declared
// here so the observers do not depend on code still being written; anything that has at least
// these fields can be passed in. In: nothing. Out: type definitions only.
import type { FamilyRef, NotificationMessage, UpdateMessage } from '../../bgp/wire/types.ts';
import type { StateName } from '../../bgp/fsm/states.ts';
import type { FibMessage } from '../../rib/fib/fib.ts';
import type { FibChange } from '../../rib/messages.ts';

/** A peer is named by its address as text (e.g. "10.0.0.254" or "fd00::1"). */
export type PeerName = string;

/** An FSM state change (RFC 4271 §8.2.2 state names) with the reason the FSM gave. */
export interface SessionStateEvent {
  readonly kind: 'session-state';
  readonly peer: PeerName;
  readonly from: StateName;
  readonly to: StateName;
  readonly reason: string;
}

/** The part of bgp/negotiate.ts NegotiatedSession the observers read. */
export interface NegotiatedSummary {
  readonly remoteAs: number;
  readonly holdTime: number;
  readonly families: readonly FamilyRef[];
}

export interface PeerUpEvent {
  readonly kind: 'peer-up';
  readonly peer: PeerName;
  readonly negotiated: NegotiatedSummary;
}

export interface PeerDownEvent {
  readonly kind: 'peer-down';
  readonly peer: PeerName;
  readonly reason: string;
  /** The NOTIFICATION that ended the session, sent or received, when there was one. */
  readonly notification?: NotificationMessage;
  /** Routes are kept stale as RFC 4724 helper (true) or dropped at once (false). */
  readonly gracefulRestart: boolean;
}

export interface UpdateEvent {
  readonly kind: 'update';
  readonly peer: PeerName;
  readonly msg: UpdateMessage;
}

/**
 * End-of-RIB for one family. direction 'received': the peer sent it (RFC 4724 §2); 'sent': we
 * sent ours after the initial table. Absent means 'received' (what the session layer reports).
 */
export interface EndOfRibEvent {
  readonly kind: 'end-of-rib';
  readonly peer: PeerName;
  readonly afi: number;
  readonly safi: number;
  readonly direction?: 'sent' | 'received';
}

export interface NotificationEvent {
  readonly kind: 'notification';
  readonly peer: PeerName;
  readonly direction: 'sent' | 'received';
  readonly code: number;
  readonly subcode: number;
  /** Decoded, e.g. from bgp/wire/notification.ts describeNotification. */
  readonly text: string;
}

/** RFC 4486 §4 maximum-prefix: a warning, or the session is shut down with Cease/1. */
export interface MaxPrefixEvent {
  readonly kind: 'max-prefix';
  readonly peer: PeerName;
  readonly afi?: number;
  readonly safi?: number;
  readonly limit?: number;
  readonly count?: number;
  readonly warningOnly?: boolean;
}

/** Message counts by type name (OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH) as totals. */
export interface MessageCountersEvent {
  readonly kind: 'message-counters';
  readonly peer: PeerName;
  readonly received: Readonly<Record<string, number>>;
  readonly sent: Readonly<Record<string, number>>;
}

/** Current prefix counts of one peer and family (Adj-RIB-In, after import policy, Adj-RIB-Out). */
export interface PrefixCountsEvent {
  readonly kind: 'prefix-counts';
  readonly peer: PeerName;
  readonly afi: number;
  readonly safi: number;
  readonly received: number;
  readonly accepted: number;
  readonly advertised: number;
}

/** How long one received UPDATE took from decode to the end of RIB processing. */
export interface UpdateProcessedEvent {
  readonly kind: 'update-processed';
  readonly peer: PeerName;
  readonly seconds: number;
  readonly prefixes?: number;
}

/** Everything the observers accept. */
export type ObservedMessage =
  | SessionStateEvent
  | PeerUpEvent
  | PeerDownEvent
  | UpdateEvent
  | EndOfRibEvent
  | NotificationEvent
  | MaxPrefixEvent
  | MessageCountersEvent
  | PrefixCountsEvent
  | UpdateProcessedEvent
  | FibChange
  | FibMessage;
