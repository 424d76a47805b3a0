// The seam between the local API server (api/server.ts) and the daemon core: `DaemonApi` is what
// the core implements, with plain typed methods; the server turns gRPC calls into these calls and
// their records into protobuf messages (api/podbgp.proto mirrors the records field by field).
//
// In: nothing (types only, plus ApiError). Out: the record shapes the CLI prints. Records are plain
// JSON-friendly objects; prefixes and addresses are strings ("10.0.0.0/24", "2001:db8::1"), times
// are milliseconds since the Unix epoch, and unknown values are null.
import type { Explanation } from '../rib/explain.ts';

export type FamilyName = 'ipv4' | 'ipv6';

/** RFC 4271 §8.2.2 state names, as FSMs and `show bgp neighbors` print them. */
export type SessionStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface FamilyCounters {
  readonly family: FamilyName;
  /** Paths in the Adj-RIB-In before import policy. */
  readonly received: number;
  /** Paths accepted by import policy. */
  readonly accepted: number;
  /** Prefixes advertised to the peer (Adj-RIB-Out). */
  readonly advertised: number;
}

export interface PeerSummary {
  readonly address: string;
  readonly asn: number;
  readonly localAsn: number;
  readonly state: SessionStateName;
  /** When the session entered its current up/down condition: Established since, or down since. */
  readonly stateSince: number;
  readonly adminDown: boolean;
  readonly families: readonly FamilyCounters[];
  /** The last error as one line (a decoded NOTIFICATION or a transport error), or null. */
  readonly lastError: string | null;
  /** The peer's BGP Identifier from its OPEN (dotted quad), null before one was received. */
  readonly routerId: string | null;
  /** Negotiated hold time and keepalive in seconds, null when not Established. */
  readonly holdTime: number | null;
  readonly keepaliveTime: number | null;
  readonly localAddress: string | null;
}

export interface MessageCounters {
  /** OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH. */
  readonly type: string;
  readonly sent: number;
  readonly received: number;
}

export interface NotificationRecord {
  readonly direction: 'sent' | 'received';
  readonly code: number;
  readonly subcode: number;
  /** describeNotification() text, e.g. `Cease / Administrative Shutdown: "maintenance"`. */
  readonly text: string;
  readonly time: number;
}

/** What both sides agreed in their OPENs (bgp/negotiate.ts NegotiatedSession, as text). */
export interface NegotiatedRecord {
  readonly families: readonly string[];
  readonly fourOctetAs: boolean;
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly extendedMessage: boolean;
  /** e.g. "restart time 120s, helper", or null when not both sides advertised it. */
  readonly gracefulRestart: string | null;
  /** Per family and direction, e.g. "ipv4-unicast receive". */
  readonly addPath: readonly string[];
  /** e.g. "ipv4-unicast over ipv6". */
  readonly extendedNextHop: readonly string[];
  readonly remoteHostname: string | null;
}

export interface PeerDetail extends PeerSummary {
  readonly description: string | null;
  readonly localPort: number | null;
  readonly remotePort: number | null;
  readonly passive: boolean;
  /** Configured hold time in seconds (what we offer in our OPEN). */
  readonly configuredHoldTime: number;
  /** How many times the session reached Established. */
  readonly establishedTransitions: number;
  /** Why the FSM made its last transition (bgp/fsm transition reasons). */
  readonly lastStateReason: string | null;
  /** formatCapability() lines of our OPEN and of the peer's. */
  readonly capabilitiesSent: readonly string[];
  readonly capabilitiesReceived: readonly string[];
  readonly negotiated: NegotiatedRecord | null;
  readonly messages: readonly MessageCounters[];
  readonly lastNotification: NotificationRecord | null;
}

export type RibTable = 'loc' | 'in' | 'out';

export interface RouteQuery {
  readonly table: RibTable;
  /** Required for 'in' and 'out'; for 'loc', only paths learned from this peer. */
  readonly peer?: string;
  readonly family?: FamilyName;
  /**
   * A prefix ("10.1.0.0/16": exactly that prefix) or an address ("10.1.2.3": the longest prefix
   * that covers it). With `longer`, the prefix and every more specific one inside it.
   */
  readonly prefix?: string;
  readonly longer?: boolean;
}

export interface RouteRecord {
  readonly prefix: string;
  readonly family: FamilyName;
  /** Peer the path was learned from; "local" for originated prefixes. For 'out', the receiving peer. */
  readonly peer: string;
  readonly peerAs: number;
  readonly pathId: number;
  /** "self" for a locally originated path. */
  readonly nextHop: string;
  /** asPathText(): "65001 65002 {65003,65004}". */
  readonly asPath: string;
  /** 'IGP' | 'EGP' | 'INCOMPLETE', or '' when absent. */
  readonly origin: string;
  readonly localPref: number | null;
  readonly med: number | null;
  /** RFC 1997 as "65000:100" or a well-known name; large communities as "a:b:c". */
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  /** RFC 4456 ORIGINATOR_ID as a dotted quad, or null when absent. */
  readonly originatorId: string | null;
  /** RFC 4456 CLUSTER_LIST, each cluster id as a dotted quad, in received order. */
  readonly clusterList: readonly string[];
  /** Selected best path for the prefix (marked `*>`). */
  readonly best: boolean;
  /** In the multipath (ECMP) set besides the best (marked `*=`). */
  readonly multipath: boolean;
  /** Why the path cannot be used (empty when usable). */
  readonly ineligible: readonly string[];
  readonly stale: boolean;
  /** When the path was received or last changed, or null when not recorded. */
  readonly since: number | null;
}

export type KernelMatch = 'yes' | 'no' | 'missing' | 'extra';

export interface KernelRouteRecord {
  readonly prefix: string;
  readonly family: FamilyName;
  /** 'unicast' | 'blackhole' | 'unreachable'. */
  readonly type: string;
  /** One entry per next hop, e.g. "via 10.0.0.1 dev eth0" or "via 10.0.0.1 weight 2 onlink". */
  readonly nextHops: readonly string[];
  readonly protocol: number;
  readonly table: number;
  readonly metric: number;
  /**
   * yes: in the kernel as the RIB wants it; no: in the kernel but different; missing: the RIB wants
   * it and the kernel does not have it; extra: ours in the kernel, not wanted by the RIB.
   */
  readonly match: KernelMatch;
  /** Why it does not match (the last netlink error, or what differs); '' when it matches. */
  readonly reason: string;
}

export type PeerAction = 'enable' | 'disable' | 'reset' | 'soft-in' | 'soft-out';
export const PEER_ACTIONS: readonly PeerAction[] = ['enable', 'disable', 'reset', 'soft-in', 'soft-out'];

export type ApiEvent =
  | {
      readonly kind: 'session';
      readonly time: number;
      readonly peer: string;
      readonly state: SessionStateName;
      readonly previousState: SessionStateName;
      readonly reason: string;
    }
  | {
      readonly kind: 'route';
      readonly time: number;
      readonly prefix: string;
      /** The new next hops; empty when the prefix has no route any more. */
      readonly nextHops: readonly string[];
    };

/** Error kinds the server maps to gRPC status codes (api/server.ts statusOf). */
export type ApiErrorKind = 'not-found' | 'invalid-argument' | 'failed-precondition' | 'unavailable';

/** Thrown by DaemonApi methods for the caller's mistakes; anything else is INTERNAL. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  constructor(kind: ApiErrorKind, message: string) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
  }
}

/**
 * What the daemon core implements for the API. Throw ApiError('not-found', ...) for an unknown
 * peer and ApiError('invalid-argument', ...) for a bad prefix; the server has already checked that
 * prefixes and addresses parse.
 */
export interface DaemonApi {
  listPeers(): Promise<readonly PeerSummary[]> | readonly PeerSummary[];
  getPeer(address: string): Promise<PeerDetail> | PeerDetail;
  /** May yield lazily (in slices) for big tables; the server streams as it goes. */
  listRoutes(q: RouteQuery): AsyncIterable<RouteRecord> | Iterable<RouteRecord>;
  listKernelRoutes(): Promise<readonly KernelRouteRecord[]> | readonly KernelRouteRecord[];
  explain(prefix: string): Promise<Explanation> | Explanation;
  addOriginated(cidr: string): Promise<void> | void;
  deleteOriginated(cidr: string): Promise<void> | void;
  peerAction(address: string, action: PeerAction, message?: string): Promise<void> | void;
  /** Session and route changes from now on, until `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<ApiEvent>;
}
