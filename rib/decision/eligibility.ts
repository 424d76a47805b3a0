// Which received paths may take part in the decision process. Ineligible paths stay in the
// Adj-RIB-In with the reason kept as bits in the path's flags (loops, decided once when the path
// arrives) or, for next hops, in a per-attribute-set cache the FIB's reachability hook fills.
//
// In: an interned attribute set, the peer it came from, our config. Out: reason bits and names.
import type { RibAttrs } from '../attr-intern.ts';
import type { RibConfig, RibPeer } from '../peer.ts';
import { countAs } from '../as-path.ts';

/** Bits in a path's flags column. */
export const PathFlag = {
  /** RFC 4724: kept from before the peer restarted, awaiting re-announcement. */
  STALE: 1,
  /** Rejected by import policy; kept only as the pre-policy copy (soft reconfiguration). */
  FILTERED: 2,
  AS_PATH_LOOP: 4,
  ORIGINATOR_ID_LOOP: 8,
  CLUSTER_LIST_LOOP: 16,
} as const;

export const LOOP_FLAGS = PathFlag.AS_PATH_LOOP | PathFlag.ORIGINATOR_ID_LOOP | PathFlag.CLUSTER_LIST_LOOP;

/** The loop checks done when a path is received; returns PathFlag bits. */
export function loopFlags(a: RibAttrs, peer: RibPeer, cfg: RibConfig): number {
  if (peer.local) return 0;
  let f = 0;
  // RFC 4271 §9.1.2: a route whose AS_PATH contains our own AS is a loop. We allow the
  // operator's allowas-in count of appearances before calling it one.
  if (countAs(a.attrs.asPath, cfg.localAs) > peer.allowAsIn) f |= PathFlag.AS_PATH_LOOP;
  // RFC 4456 §8: "A router that recognizes the ORIGINATOR_ID attribute SHOULD ignore a route
  // received with its BGP Identifier as the ORIGINATOR_ID."
  if (peer.ibgp && a.attrs.originatorId === cfg.routerId) f |= PathFlag.ORIGINATOR_ID_LOOP;
  // RFC 4456 §8: "If the local CLUSTER_ID is found in the CLUSTER_LIST, the advertisement
  // received SHOULD be ignored."
  if (peer.ibgp && a.attrs.clusterList?.includes(cfg.clusterId) === true) f |= PathFlag.CLUSTER_LIST_LOOP;
  return f;
}

/** Human reasons for a path's ineligibility (empty when eligible). */
export function ineligibleReasons(flags: number, nextHopReachable: boolean): string[] {
  const r: string[] = [];
  if ((flags & PathFlag.FILTERED) !== 0) r.push('rejected by import policy');
  if ((flags & PathFlag.AS_PATH_LOOP) !== 0)
    r.push('AS_PATH loop: our AS appears more often than allowas-in permits');
  if ((flags & PathFlag.ORIGINATOR_ID_LOOP) !== 0) r.push('ORIGINATOR_ID is our router id');
  if ((flags & PathFlag.CLUSTER_LIST_LOOP) !== 0) r.push('CLUSTER_LIST contains our cluster id');
  if (!nextHopReachable) r.push('next hop unreachable');
  return r;
}
