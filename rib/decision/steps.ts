// The BGP decision process as a list of small named comparators (RFC 4271 §9.1.2.2 and the
// customary extensions). Each returns < 0 when path a is preferred, > 0 when b is, 0 when this
// step cannot tell them apart, and can say in words why the winner won.
//
// RFC 4271 §9.1 and what podbgp does at each step:
//  §9.1.1 Phase 1, degree of preference: LOCAL_PREF for iBGP-learned routes; for eBGP-learned
//         routes the import policy may set LOCAL_PREF, otherwise the default 100 applies.
//  §9.1.2 Phase 2, route selection: routes whose NEXT_HOP is unresolvable are excluded
//         (eligibility.ts: the FIB's nextHopReachable hook), as are looped routes (AS_PATH,
//         ORIGINATOR_ID, CLUSTER_LIST); they stay in the table with the reason shown.
//  §9.1.2.1 Route resolvability: delegated to the FIB owner through the same hook.
//  §9.1.2.2 Breaking ties:
//    (pre) highest degree of preference ........................ step 'local-pref'
//    a) fewest AS numbers in AS_PATH (AS_SET = 1, confed = 0) .. step 'as-path-length'
//    b) lowest ORIGIN ........................................... step 'origin'
//    c) lowest MED among routes from the same neighbouring AS .. step 'med' (options
//       always-compare-med, missing-as-worst)
//    d) eBGP-learned over iBGP-learned .......................... step 'ebgp-over-ibgp'
//       (locally originated routes rank above both)
//    e) lowest interior cost to the NEXT_HOP .................... not done: podbgp has no IGP;
//       every resolvable next hop counts the same.
//    f) lowest BGP Identifier (ORIGINATOR_ID when present) ...... step 'router-id'
//       (RFC 4456 §9)
//    RFC 4456 §9: shorter CLUSTER_LIST, between f) and g) ....... step 'cluster-list-length'
//    g) lowest peer address ..................................... step 'peer-address'
//    (ADD-PATH) lowest path identifier from the same peer ....... step 'path-id', so the order
//       is total and the result never depends on arrival order.
// Multipath (ECMP) treats paths as equal when every step before 'router-id' ties.
import type { RibAttrs } from '../attr-intern.ts';
import type { DecisionOptions, RibPeer } from '../peer.ts';
import { compareAddressBytes, formatAddressBytes, formatIpv4 } from '../prefix.ts';

/** One path as the decision process sees it. */
export interface Candidate {
  readonly peer: RibPeer;
  readonly attrs: RibAttrs;
  readonly pathId: number;
}

export interface DecisionStep {
  readonly name: string;
  compare(a: Candidate, b: Candidate, o: DecisionOptions): number;
  /** Why `winner` beat `loser` at this step (called only when compare was non-zero). */
  explain(winner: Candidate, loser: Candidate, o: DecisionOptions): string;
}

const DEFAULT_LOCAL_PREF = 100;
const MAX_MED = 0xffffffff;

export function localPrefOf(c: Candidate): number {
  return c.attrs.attrs.localPref ?? DEFAULT_LOCAL_PREF;
}

export function medOf(c: Candidate, o: DecisionOptions): number {
  return c.attrs.attrs.med ?? (o.missingMedWorst ? MAX_MED : 0);
}

/** RFC 4456 §9: "the ORIGINATOR_ID SHOULD be treated as the BGP Identifier of the BGP Speaker". */
export function routerIdOf(c: Candidate): number {
  return c.attrs.attrs.originatorId ?? c.peer.routerId;
}

/** 0 local, 1 eBGP, 2 iBGP. */
export function sourceRank(c: Candidate): number {
  return c.peer.local ? 0 : c.peer.ibgp ? 2 : 1;
}

const SOURCE_NAMES = ['locally originated', 'eBGP', 'iBGP'];

export const localPrefStep: DecisionStep = {
  name: 'local-pref',
  compare: (a, b) => localPrefOf(b) - localPrefOf(a),
  explain: (w, l) => `higher LOCAL_PREF ${localPrefOf(w)} over ${localPrefOf(l)}`,
};

export const asPathLengthStep: DecisionStep = {
  name: 'as-path-length',
  compare: (a, b) => a.attrs.asPathLength - b.attrs.asPathLength,
  explain: (w, l) => `shorter AS_PATH ${w.attrs.asPathLength} over ${l.attrs.asPathLength}`,
};

export const originStep: DecisionStep = {
  name: 'origin',
  compare: (a, b) => (a.attrs.attrs.origin ?? 2) - (b.attrs.attrs.origin ?? 2),
  explain: (w, l) => `lower ORIGIN ${originName(w)} over ${originName(l)}`,
};

function originName(c: Candidate): string {
  return ['IGP', 'EGP', 'INCOMPLETE'][c.attrs.attrs.origin ?? 2] ?? String(c.attrs.attrs.origin);
}

export const medStep: DecisionStep = {
  name: 'med',
  compare(a, b, o) {
    // RFC 4271 §9.1.2.2 c): MED is compared only between routes "learned from the same
    // neighboring AS" unless the operator asks to always compare.
    if (!o.alwaysCompareMed && a.attrs.neighborAs !== b.attrs.neighborAs) return 0;
    return medOf(a, o) - medOf(b, o);
  },
  explain: (w, l, o) => `lower MED ${medOf(w, o)} over ${medOf(l, o)}`,
};

export const ebgpOverIbgpStep: DecisionStep = {
  name: 'ebgp-over-ibgp',
  compare: (a, b) => sourceRank(a) - sourceRank(b),
  explain: (w, l) => `${SOURCE_NAMES[sourceRank(w)]} preferred over ${SOURCE_NAMES[sourceRank(l)]}`,
};

export const routerIdStep: DecisionStep = {
  name: 'router-id',
  compare: (a, b) => routerIdOf(a) - routerIdOf(b),
  explain: (w, l) =>
    `lower ${w.attrs.attrs.originatorId !== undefined ? 'ORIGINATOR_ID' : 'router id'} ${formatIpv4(routerIdOf(w))} over ${formatIpv4(routerIdOf(l))}`,
};

export const clusterListLengthStep: DecisionStep = {
  name: 'cluster-list-length',
  compare: (a, b) => (a.attrs.attrs.clusterList?.length ?? 0) - (b.attrs.attrs.clusterList?.length ?? 0),
  explain: (w, l) =>
    `shorter CLUSTER_LIST ${w.attrs.attrs.clusterList?.length ?? 0} over ${l.attrs.attrs.clusterList?.length ?? 0}`,
};

export const peerAddressStep: DecisionStep = {
  name: 'peer-address',
  compare: (a, b) => compareAddressBytes(a.peer.address, b.peer.address),
  explain: (w, l) =>
    `lower peer address ${formatAddressBytes(w.peer.address)} over ${formatAddressBytes(l.peer.address)}`,
};

export const pathIdStep: DecisionStep = {
  name: 'path-id',
  compare: (a, b) => a.pathId - b.pathId,
  explain: (w, l) => `lower path identifier ${w.pathId} over ${l.pathId}`,
};

/** The steps in order. */
export const DECISION_STEPS: readonly DecisionStep[] = [
  localPrefStep,
  asPathLengthStep,
  originStep,
  medStep,
  ebgpOverIbgpStep,
  routerIdStep,
  clusterListLengthStep,
  peerAddressStep,
  pathIdStep,
];

/** Index of the first step after which paths are no longer "equal" for multipath. */
export const MULTIPATH_STEPS = DECISION_STEPS.indexOf(routerIdStep);
