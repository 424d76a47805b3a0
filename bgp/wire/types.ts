// The decoded forms of BGP messages: what the codec produces and consumes, and what the session
// and RIB layers read. Prefixes are compact (struct-of-arrays of numbers) so that a full table
// flows into the RIB without one object per prefix; strings are made only at the edges.
import type { BgpError } from './errors.ts';

/**
 * A list of prefixes of one address family, as parallel typed arrays.
 * - IPv4: words[i] is the address as an unsigned 32-bit number (network order bits, host number).
 * - IPv6: words[4*i .. 4*i+3] are the address as four unsigned 32-bit numbers, most significant first.
 * Host bits beyond lengths[i] are always zero (the decoder checks or clears them; see nlri.ts).
 * pathIds is present when ADD-PATH (RFC 7911) is in force for this family and direction.
 */
export interface PrefixList {
  readonly afi: number;
  readonly count: number;
  readonly words: Uint32Array;
  readonly lengths: Uint8Array;
  readonly pathIds: Uint32Array | null;
}

/** An AS_PATH / AS4_PATH segment (RFC 4271 §4.3, RFC 5065 §3). type: 1 SET, 2 SEQUENCE, 3 CONFED_SEQUENCE, 4 CONFED_SET. */
export interface AsPathSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  /** IPv4 address as an unsigned 32-bit number. */
  readonly address: number;
}

/** MP_REACH_NLRI (RFC 4760 §3). For IPv6 next hops, nextHop is the 16-byte global and linkLocal the optional second. */
export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** 4 bytes (IPv4) or 16 bytes (IPv6 global); RFC 8950 allows IPv6 next hops for IPv4 NLRI. */
  readonly nextHop: Uint8Array;
  readonly linkLocal: Uint8Array | null;
  readonly nlri: PrefixList;
}

/** MP_UNREACH_NLRI (RFC 4760 §4). */
export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: PrefixList;
}

/** An attribute podbgp does not interpret, kept to pass on (RFC 4271 §5: Partial bit set when passed). */
export interface RawAttribute {
  readonly flags: number;
  readonly typeCode: number;
  readonly value: Uint8Array;
}

/**
 * The path attributes of an UPDATE. Absent attributes are undefined. AS4_PATH/AS4_AGGREGATOR
 * from a 2-octet-AS peer are merged into asPath/aggregator by the decoder (RFC 6793 §4.2.3) and
 * kept in as4Path/as4Aggregator only for display.
 */
export interface PathAttributes {
  origin?: number;
  asPath?: readonly AsPathSegment[];
  /** NEXT_HOP (type 3): IPv4 address as an unsigned 32-bit number. */
  nextHop?: number;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  /** RFC 1997 communities, each an unsigned 32-bit number (ASN << 16 | value). */
  communities?: readonly number[];
  originatorId?: number;
  clusterList?: readonly number[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** RFC 4360: each community is 8 bytes. */
  extCommunities?: readonly Uint8Array[];
  as4Path?: readonly AsPathSegment[];
  as4Aggregator?: Aggregator;
  /** RFC 8092: flat triples [global, local1, local2, global, ...]. */
  largeCommunities?: readonly number[];
  /** RFC 9234 Only-To-Customer: an ASN. */
  otc?: number;
  /** Unknown attributes kept to pass on (optional transitive only; see attributes table). */
  unknown?: readonly RawAttribute[];
  /**
   * MP_REACH_NLRI / MP_UNREACH_NLRI of an AFI/SAFI the codec does not parse, kept raw (flags,
   * type, value). The session decides what to do with a family it did not negotiate.
   */
  mpOther?: readonly RawAttribute[];
}

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real AS needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as an unsigned 32-bit number. */
  readonly bgpId: number;
  readonly capabilities: readonly Capability[];
  /** Whether the RFC 9072 extended optional parameters length format was used. */
  readonly extendedOptionalParameters?: boolean;
}

export interface FamilyRef {
  readonly afi: number;
  readonly safi: number;
}

export type Capability =
  | ({ readonly kind: 'multiprotocol' } & FamilyRef)
  | { readonly kind: 'route-refresh' }
  | {
      readonly kind: 'extended-next-hop';
      readonly entries: readonly (FamilyRef & { readonly nextHopAfi: number })[];
    }
  | { readonly kind: 'extended-message' }
  | { readonly kind: 'role'; readonly role: number }
  | {
      readonly kind: 'graceful-restart';
      /** R bit (RFC 4724 §3): the sender has restarted. */
      readonly restarting: boolean;
      /** N bit (RFC 8538 §2): the sender supports GR for BGP NOTIFICATION messages. */
      readonly notification: boolean;
      readonly restartTime: number;
      readonly families: readonly (FamilyRef & { readonly forwardingPreserved: boolean })[];
    }
  | { readonly kind: 'four-octet-as'; readonly asn: number }
  | {
      readonly kind: 'add-path';
      /** sendReceive: 1 receive, 2 send, 3 both (RFC 7911 §4). */
      readonly families: readonly (FamilyRef & { readonly sendReceive: number })[];
    }
  | { readonly kind: 'enhanced-route-refresh' }
  | {
      readonly kind: 'long-lived-graceful-restart';
      readonly families: readonly (FamilyRef & {
        readonly forwardingPreserved: boolean;
        readonly staleTime: number;
      })[];
    }
  | { readonly kind: 'fqdn'; readonly hostname: string; readonly domain: string }
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Uint8Array };

export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 Withdrawn Routes field. */
  readonly withdrawn: PrefixList;
  readonly attrs: PathAttributes;
  /** IPv4 NLRI field. */
  readonly nlri: PrefixList;
  /**
   * RFC 7606 "treat-as-withdraw": set by the decoder when a fault requires every prefix in nlri
   * and attrs.mpReach.nlri to be handled as withdrawn (the prefixes are still listed there).
   */
  readonly treatAsWithdraw?: boolean;
  /** Faults that did not reset the session (treat-as-withdraw, attribute-discard), each with its action. */
  readonly errors?: readonly BgpError[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** RFC 8203/9003 Shutdown Communication, for Cease subcodes 2 and 4 when present and valid UTF-8. */
  readonly shutdownCommunication?: string;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export interface RouteRefreshMessage {
  readonly type: 'route-refresh';
  readonly afi: number;
  readonly safi: number;
  /** RFC 7313 §3.2 Message Subtype: 0 normal, 1 BoRR, 2 EoRR. */
  readonly subtype: number;
}

export type BgpMessage =
  OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/**
 * What changes how bytes are read and written on one session, built once from the negotiated
 * capabilities and passed to every encode/decode call (DESIGN: one codec context).
 */
export interface CodecContext {
  /** RFC 6793: both sides advertised the 4-octet AS capability. */
  readonly fourOctetAs: boolean;
  /** RFC 7911: family keys (familyKey(afi, safi)) for which path identifiers are received. */
  readonly addPathReceive: ReadonlySet<number>;
  /** RFC 7911: family keys for which path identifiers are sent. */
  readonly addPathSend: ReadonlySet<number>;
  /** RFC 8654: both sides advertised Extended Message: UPDATE etc. up to 65535 octets. */
  readonly extendedMessage: boolean;
  /** Whether the peer is internal (iBGP): LOCAL_PREF is expected, etc. (RFC 7606 §7.5). */
  readonly ibgp: boolean;
}

export const DEFAULT_CONTEXT: CodecContext = {
  fourOctetAs: true,
  addPathReceive: new Set(),
  addPathSend: new Set(),
  extendedMessage: false,
  ibgp: false,
};
