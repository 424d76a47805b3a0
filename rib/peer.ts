// What the RIB knows about a peer and about itself. The session layer registers a peer when it
// reaches Established (with the router id from the OPEN); the RIB refers to peers by a dense
// index. Index 0 is the local pseudo-peer that originated routes (the node's Pod CIDRs) come from.
//
// In: configuration and OPEN facts. Out: RibPeer / RibConfig values read by the decision process,
// the loop checks and the export rules.
import type { Policy } from './policy/policy.ts';

export interface RibPeer {
  /** Dense index (0 = local pseudo-peer); column values in the path store. */
  readonly index: number;
  /** Transport address of the peer as bytes (4 or 16); empty for the local pseudo-peer. */
  readonly address: Uint8Array;
  readonly asn: number;
  /** BGP Identifier from the peer's OPEN. */
  readonly routerId: number;
  /** Internal peer: same AS as ours. */
  readonly ibgp: boolean;
  /** RFC 4456: this peer is a route-reflector client of ours. */
  readonly rrClient: boolean;
  /** How many times our own AS may appear in a received AS_PATH before it is a loop. */
  readonly allowAsIn: number;
  readonly local: boolean;
  /** Import policy; null means none configured (RFC 8212 applies to eBGP peers). */
  readonly importPolicy: Policy | null;
  /** Keep the pre-policy copy of received paths (soft reconfiguration inbound). */
  readonly softReconfigIn: boolean;
}

export interface DecisionOptions {
  /** Compare MED between routes from different neighbouring ASes too. */
  readonly alwaysCompareMed: boolean;
  /** A missing MED counts as the worst value (2^32-1) instead of 0. */
  readonly missingMedWorst: boolean;
  /** Up to this many equal paths form one multipath route (1 = no ECMP). */
  readonly maxPaths: number;
  /** eBGP multipath across different neighbouring ASes (as-path multipath-relax). */
  readonly multipathRelax: boolean;
}

export interface RibConfig {
  readonly localAs: number;
  readonly routerId: number;
  /** RFC 4456 CLUSTER_ID; defaults to the router id. */
  readonly clusterId: number;
  readonly decision: DecisionOptions;
}

export const DEFAULT_DECISION: DecisionOptions = {
  alwaysCompareMed: false,
  missingMedWorst: false,
  maxPaths: 1,
  multipathRelax: false,
};

export function ribConfig(c: {
  localAs: number;
  routerId: number;
  clusterId?: number;
  decision?: Partial<DecisionOptions>;
}): RibConfig {
  return {
    localAs: c.localAs,
    routerId: c.routerId,
    clusterId: c.clusterId ?? c.routerId,
    decision: { ...DEFAULT_DECISION, ...c.decision },
  };
}

export function makePeer(p: {
  index: number;
  address: Uint8Array;
  asn: number;
  routerId: number;
  localAs: number;
  rrClient?: boolean;
  allowAsIn?: number;
  importPolicy?: Policy | null;
  softReconfigIn?: boolean;
}): RibPeer {
  return Object.freeze({
    index: p.index,
    address: p.address,
    asn: p.asn,
    routerId: p.routerId,
    ibgp: p.asn === p.localAs,
    rrClient: p.rrClient ?? false,
    allowAsIn: p.allowAsIn ?? 0,
    local: false,
    importPolicy: p.importPolicy ?? null,
    softReconfigIn: p.softReconfigIn ?? false,
  });
}

export function localPeer(localAs: number, routerId: number): RibPeer {
  return Object.freeze({
    index: 0,
    address: new Uint8Array(0),
    asn: localAs,
    routerId,
    ibgp: false,
    rrClient: false,
    allowAsIn: 0,
    local: true,
    importPolicy: null,
    softReconfigIn: false,
  });
}
