// The typed messages the session layer sends to its one subscriber (the daemon core), and the
// per-peer counters it keeps for the API, the CLI and metrics. Plain objects with a `kind`
// (DESIGN "Owners and messages"); nothing here has behaviour.
import type { StateName } from '../fsm/index.ts';
import type { NegotiatedSession } from '../negotiate.ts';
import type { FamilyRef, UpdateMessage } from '../wire/types.ts';

export interface GracefulRestartDown {
  /**
   * Keep the peer's routes, marked stale (RFC 4724 §4.2), until it re-establishes and sends
   * End-of-RIB, or restartTime passes.
   */
  readonly stale: boolean;
  /** The peer's Restart Time in seconds (0 when the peer did not advertise graceful restart). */
  readonly restartTime: number;
  /** The families the peer listed in its capability, with its F bits (what may be kept). */
  readonly families: readonly (FamilyRef & { readonly forwardingPreserved: boolean })[];
}

export interface NotificationSummary {
  readonly direction: 'sent' | 'received';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** Decoded, e.g. `Cease / Administrative Shutdown: "maintenance"`. */
  readonly text: string;
  /** Date.now() when it was sent or received. */
  readonly at: number;
}

export type SessionMessage =
  | {
      readonly kind: 'session-state';
      readonly peer: string;
      readonly from: StateName;
      readonly to: StateName;
      readonly reason: string;
    }
  | { readonly kind: 'peer-up'; readonly peer: string; readonly negotiated: NegotiatedSession }
  | {
      readonly kind: 'peer-down';
      readonly peer: string;
      readonly reason: string;
      readonly notification?: NotificationSummary;
      readonly gracefulRestart: GracefulRestartDown;
    }
  | { readonly kind: 'update'; readonly peer: string; readonly msg: UpdateMessage }
  | { readonly kind: 'end-of-rib'; readonly peer: string; readonly afi: number; readonly safi: number }
  | {
      readonly kind: 'route-refresh';
      readonly peer: string;
      readonly afi: number;
      readonly safi: number;
      /** RFC 7313: 0 request, 1 BoRR, 2 EoRR. */
      readonly subtype: number;
      /** 'peer': the peer sent it; 'local': softReset('out') asks the RIB to send the table again. */
      readonly origin: 'peer' | 'local';
    }
  | {
      readonly kind: 'notification';
      readonly peer: string;
      readonly direction: 'sent' | 'received';
      readonly code: number;
      readonly subcode: number;
      readonly text: string;
    }
  | {
      readonly kind: 'max-prefix';
      readonly peer: string;
      /** 'ipv4-unicast' or 'ipv6-unicast'. */
      readonly family: string;
      readonly count: number;
      readonly limit: number;
      /** The session was shut down (false with warningOnly). */
      readonly shutdown: boolean;
    }
  | {
      /** A peer's UPDATE had RFC 7606 faults that did not reset the session (also in msg.errors). */
      readonly kind: 'update-error';
      readonly peer: string;
      readonly action: string;
      readonly text: string;
    };

export type SessionMessageKind = SessionMessage['kind'];

/** Per-peer counters, read with session.counters(). */
export interface SessionCounters {
  readonly peer: string;
  readonly state: StateName;
  /** Messages by type name (OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH). */
  readonly messagesIn: Readonly<Record<string, number>>;
  readonly messagesOut: Readonly<Record<string, number>>;
  readonly updatesIn: number;
  readonly updatesOut: number;
  /** Prefixes currently received per family ('ipv4-unicast'), counted exactly (announce/withdraw). */
  readonly prefixesReceived: Readonly<Record<string, number>>;
  /** Times the session reached Established. */
  readonly establishedTransitions: number;
  /** Date.now() when the session last reached Established (null when not Established). */
  readonly upSince: number | null;
  /** Date.now() of the last change of state. */
  readonly lastStateChange: number;
  readonly uptimeSeconds: number;
  /** Why the session last went down or failed. */
  readonly lastError: string | null;
  readonly lastNotification: NotificationSummary | null;
  /** Bytes of UPDATEs waiting in the output queue. */
  readonly outputBacklog: number;
  readonly negotiated: NegotiatedSession | null;
}
