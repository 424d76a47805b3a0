// What one update group may advertise for a prefix, and with which attributes: the iBGP split
// horizon, route reflection (RFC 4456), the well-known communities (RFC 1997), RFC 8212 for eBGP
// without an export policy, the export policy itself, and the attribute changes on the way out
// (AS_PATH prepend, LOCAL_PREF and MED stripping for eBGP, next hop).
//
// In: the best path (Candidate), the group's settings, our config. Out: PathAttributes plus a
// "next hop is self" flag, or null when the prefix is not advertised to the group.
import type { PathAttributes } from '../bgp/wire/types.ts';
import type { Candidate } from './decision/steps.ts';
import type { RibConfig } from './peer.ts';
import type { Policy } from './policy/policy.ts';
import type { Prefix } from './prefix.ts';
import { WellKnownCommunity } from '../bgp/wire/iana/attribute-types.ts';
import { prependAs } from './as-path.ts';

export interface GroupSettings {
  readonly ibgp: boolean;
  /** The group's peers are our route-reflector clients. */
  readonly rrClient: boolean;
  readonly exportPolicy: Policy | null;
  /** iBGP: set the next hop to ourselves (eBGP always does). */
  readonly nextHopSelf: boolean;
}

export interface ExportResult {
  readonly attrs: PathAttributes;
  /** The next hop to send: bytes, or null for "the session's own address". */
  readonly nextHop: Uint8Array | null;
}

const DEFAULT_LOCAL_PREF = 100;

/** Whether the best path may go to this group at all, before policy. */
export function mayAdvertise(best: Candidate, g: GroupSettings): boolean {
  const src = best.peer;
  const comms = best.attrs.attrs.communities;
  if (comms !== undefined) {
    // RFC 1997: NO_ADVERTISE "MUST NOT be advertised to other BGP peers".
    if (comms.includes(WellKnownCommunity.NO_ADVERTISE)) return false;
    // NO_EXPORT "MUST NOT be advertised outside a BGP confederation boundary"; NO_EXPORT_SUBCONFED
    // "MUST NOT be advertised to external BGP peers". podbgp has no confederations, so both stop
    // at every eBGP peer.
    if (
      !g.ibgp &&
      (comms.includes(WellKnownCommunity.NO_EXPORT) || comms.includes(WellKnownCommunity.NO_EXPORT_SUBCONFED))
    )
      return false;
  }
  if (g.ibgp && src.ibgp) {
    // RFC 4271 §9.2: "a BGP speaker SHOULD NOT advertise a given feasible BGP route from its
    // Adj-RIB-Out ... to internal peers" when learned from an internal peer. RFC 4456 §6: a
    // route from a client is reflected to all clients and non-clients; a route from a
    // non-client is reflected to clients only.
    return src.rrClient || g.rrClient;
  }
  return true;
}

/** The attributes to advertise, or null when the group gets nothing for this prefix. */
export function exportRoute(
  best: Candidate,
  prefix: Prefix,
  g: GroupSettings,
  cfg: RibConfig,
): ExportResult | null {
  if (!mayAdvertise(best, g)) return null;
  const src = best.peer;
  // RFC 8212 §3.2: with no export policy, nothing is advertised to an eBGP peer.
  if (!g.ibgp && g.exportPolicy === null) return null;
  const a: PathAttributes = { ...best.attrs.attrs };
  if (g.ibgp) {
    a.localPref = a.localPref ?? DEFAULT_LOCAL_PREF;
    if (src.ibgp) {
      // RFC 4456 §8: when reflecting, set ORIGINATOR_ID to the originator's router id if it is
      // not there yet, and prepend our CLUSTER_ID to the CLUSTER_LIST.
      a.originatorId = a.originatorId ?? src.routerId;
      a.clusterList = [cfg.clusterId, ...(a.clusterList ?? [])];
    }
  } else {
    // RFC 4271 §5.1.5: LOCAL_PREF "MUST NOT" be sent to external peers; RFC 4456: ORIGINATOR_ID
    // and CLUSTER_LIST are iBGP-only; §5.1.4: a received MED is not propagated to other ASes.
    delete a.localPref;
    delete a.originatorId;
    delete a.clusterList;
    if (!src.local) delete a.med;
  }
  let nextHop: Uint8Array | null =
    best.attrs.nextHop.length === 0 || !g.ibgp || g.nextHopSelf ? null : best.attrs.nextHop;
  let out = a;
  if (g.exportPolicy !== null) {
    const r = g.exportPolicy.evaluate(prefix, a);
    if (r === null) return null;
    out = r.attrs;
    if (r.nextHop !== null) nextHop = r.nextHop;
  }
  if (!g.ibgp) {
    // RFC 4271 §5.1.2: to an external peer, prepend our own AS.
    out = { ...out, asPath: prependAs(out.asPath, cfg.localAs) };
  }
  return { attrs: out, nextHop };
}
