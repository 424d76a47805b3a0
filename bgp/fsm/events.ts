// FSM inputs: the events of RFC 4271 §8.1, as plain objects with a `kind` spelled as the RFC names
// the event. The session driver makes them from administrative requests, timer expiries (from
// bgp/timers.ts), TCP socket outcomes and decoded messages; step() consumes them.
//
// Merged and extended events (RFC 4271 §8.2.1.4 lets the form of events be implementation specific):
// - Event 6 AutomaticStart_with_DampPeerOscillations is AutomaticStart with dampPeerOscillations: true;
//   Event 7 AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment is
//   AutomaticStart_with_PassiveTcpEstablishment with dampPeerOscillations: true.
// - Event 20 BGPOpen_with_DelayOpenTimer_running: the driver may always send BGPOpen; the FSM knows
//   whether its DelayOpenTimer runs and treats the event as Event 20 then. Sending the Event 20 kind
//   explicitly is accepted and means the same.
// - Event 24 NotifMsgVerErr: a NotifMsg carrying OPEN Message Error / Unsupported Version Number
//   (2/1) is treated as Event 24, so the driver may send every NOTIFICATION as NotifMsg.
// - RouteRefreshMsg (RFC 2918/7313), UpdateSent (RFC 4271 §8.2.2 Established: "Each time the local
//   system sends a KEEPALIVE or UPDATE message, it restarts its KeepaliveTimer") and
//   StableTimer_Expires (podbgp: the session stayed Established long enough to forget past
//   failures and reset the backoff) are podbgp additions.

/** A NOTIFICATION to send or that was received: RFC 4271 §4.5 fields. */
export interface NotificationFields {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export type FsmEvent =
  // Administrative events (RFC 4271 §8.1.2)
  | { readonly kind: 'ManualStart'; readonly dampPeerOscillations?: boolean } // Event 1
  | {
      // Event 2. Sends Cease / Administrative Shutdown (6/2) with an optional RFC 9003 message.
      readonly kind: 'ManualStop';
      readonly subcode?: number;
      readonly communication?: string;
      /** RFC 8538: send the Cease inside a Cease / Hard Reset (the driver sets it when the N bit was exchanged). */
      readonly hardReset?: boolean;
    }
  | { readonly kind: 'AutomaticStart'; readonly dampPeerOscillations?: boolean } // Events 3 and 6
  | { readonly kind: 'ManualStart_with_PassiveTcpEstablishment'; readonly dampPeerOscillations?: boolean } // Event 4
  | { readonly kind: 'AutomaticStart_with_PassiveTcpEstablishment'; readonly dampPeerOscillations?: boolean } // Events 5 and 7
  | {
      // Event 8, e.g. a max-prefix limit: Cease with this subcode (default 0) and data.
      // restartAfterSeconds: null holds the peer down until a start event; a number overrides the
      // backoff delay before the automatic restart; absent uses the usual backoff.
      readonly kind: 'AutomaticStop';
      readonly subcode?: number;
      readonly data?: Uint8Array;
      readonly why?: string;
      readonly restartAfterSeconds?: number | null;
      /** RFC 8538: send the Cease inside a Cease / Hard Reset (the driver sets it when the N bit was exchanged). */
      readonly hardReset?: boolean;
    }
  // Timer events (RFC 4271 §8.1.3)
  | { readonly kind: 'ConnectRetryTimer_Expires' } // Event 9
  | { readonly kind: 'HoldTimer_Expires' } // Event 10
  | { readonly kind: 'KeepaliveTimer_Expires' } // Event 11
  | { readonly kind: 'DelayOpenTimer_Expires' } // Event 12
  | { readonly kind: 'IdleHoldTimer_Expires' } // Event 13
  | { readonly kind: 'StableTimer_Expires' } // podbgp
  // TCP connection-based events (RFC 4271 §8.1.4)
  | { readonly kind: 'TcpConnection_Valid' } // Event 14
  | { readonly kind: 'Tcp_CR_Invalid' } // Event 15
  | { readonly kind: 'Tcp_CR_Acked' } // Event 16: our outgoing connection completed
  | { readonly kind: 'TcpConnectionConfirmed' } // Event 17: an incoming connection completed
  | { readonly kind: 'TcpConnectionFails'; readonly why?: string } // Event 18
  // BGP message-based events (RFC 4271 §8.1.5)
  | {
      // Event 19. The OPEN passed the checks (negotiate) and this is the negotiated hold time:
      // 0, or at least 3 seconds (see hold-time.ts).
      readonly kind: 'BGPOpen';
      readonly holdTimeSeconds: number;
    }
  | { readonly kind: 'BGPOpen_with_DelayOpenTimer_running'; readonly holdTimeSeconds: number } // Event 20
  | { readonly kind: 'BGPHeaderErr'; readonly error: NotificationFields; readonly why?: string } // Event 21
  | { readonly kind: 'BGPOpenMsgErr'; readonly error: NotificationFields; readonly why?: string } // Event 22
  | { readonly kind: 'OpenCollisionDump' } // Event 23
  | { readonly kind: 'NotifMsgVerErr'; readonly notification: NotificationFields } // Event 24
  | { readonly kind: 'NotifMsg'; readonly notification: NotificationFields } // Event 25
  | { readonly kind: 'KeepAliveMsg' } // Event 26
  | { readonly kind: 'UpdateMsg' } // Event 27
  | { readonly kind: 'UpdateMsgErr'; readonly error: NotificationFields; readonly why?: string } // Event 28
  | { readonly kind: 'RouteRefreshMsg' } // podbgp: RFC 2918 ROUTE-REFRESH received
  | { readonly kind: 'UpdateSent' }; // podbgp: the driver wrote an UPDATE

export type FsmEventKind = FsmEvent['kind'];

/** RFC 4271 §8.1 event numbers, for logs and management (§8.2.1.4). podbgp events have none. */
export const EVENT_NUMBERS: Readonly<Record<FsmEventKind, number | null>> = {
  ManualStart: 1,
  ManualStop: 2,
  AutomaticStart: 3,
  ManualStart_with_PassiveTcpEstablishment: 4,
  AutomaticStart_with_PassiveTcpEstablishment: 5,
  AutomaticStop: 8,
  ConnectRetryTimer_Expires: 9,
  HoldTimer_Expires: 10,
  KeepaliveTimer_Expires: 11,
  DelayOpenTimer_Expires: 12,
  IdleHoldTimer_Expires: 13,
  TcpConnection_Valid: 14,
  Tcp_CR_Invalid: 15,
  Tcp_CR_Acked: 16,
  TcpConnectionConfirmed: 17,
  TcpConnectionFails: 18,
  BGPOpen: 19,
  BGPOpen_with_DelayOpenTimer_running: 20,
  BGPHeaderErr: 21,
  BGPOpenMsgErr: 22,
  OpenCollisionDump: 23,
  NotifMsgVerErr: 24,
  NotifMsg: 25,
  KeepAliveMsg: 26,
  UpdateMsg: 27,
  UpdateMsgErr: 28,
  StableTimer_Expires: null,
  RouteRefreshMsg: null,
  UpdateSent: null,
};
