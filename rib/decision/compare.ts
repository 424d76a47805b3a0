// Running the decision steps: the overall comparison of two paths, the step that decided it, and
// the multipath (ECMP) equality test. Pure functions over Candidates.
//
// In: Candidates and DecisionOptions. Out: an ordering, a deciding step, the multipath set.
import type { DecisionOptions } from '../peer.ts';
import type { Candidate, DecisionStep } from './steps.ts';
import { DECISION_STEPS, MULTIPATH_STEPS } from './steps.ts';

/** < 0 when a is preferred. */
export function comparePaths(a: Candidate, b: Candidate, o: DecisionOptions): number {
  for (const s of DECISION_STEPS) {
    const r = s.compare(a, b, o);
    if (r !== 0) return r;
  }
  return 0;
}

export interface Verdict {
  /** The step that told the two apart, or null when they are identical through every step. */
  readonly step: DecisionStep | null;
  readonly winner: Candidate;
  readonly loser: Candidate;
  readonly reason: string;
}

/** Which of two paths wins, at which step, and why. */
export function decideBetween(a: Candidate, b: Candidate, o: DecisionOptions): Verdict {
  for (const s of DECISION_STEPS) {
    const r = s.compare(a, b, o);
    if (r === 0) continue;
    const [winner, loser] = r < 0 ? [a, b] : [b, a];
    return { step: s, winner, loser, reason: s.explain(winner, loser, o) };
  }
  return { step: null, winner: a, loser: b, reason: 'identical through every step' };
}

/** Equal through every step before the router-id tie-break. */
export function multipathEqual(a: Candidate, b: Candidate, o: DecisionOptions): boolean {
  for (let i = 0; i < MULTIPATH_STEPS; i++) if (DECISION_STEPS[i].compare(a, b, o) !== 0) return false;
  return true;
}

/**
 * Whether `c` may join `best` in one multipath route: equal up to the router id, the same kind of
 * source, a next hop of its own, and for eBGP the same neighbouring AS unless relaxed.
 */
export function multipathCompatible(best: Candidate, c: Candidate, o: DecisionOptions): boolean {
  if (best.peer.local || c.peer.local) return false;
  if (!multipathEqual(best, c, o)) return false;
  if (!best.peer.ibgp && !o.multipathRelax && best.attrs.neighborAs !== c.attrs.neighborAs) return false;
  return true;
}

/**
 * Pick the best path and the multipath set from eligible candidates. Returns indexes into `cands`:
 * best first, then the other members in preference order, at most o.maxPaths, one per next hop.
 */
export function selectPaths(cands: readonly Candidate[], o: DecisionOptions): number[] {
  if (cands.length === 0) return [];
  const order = cands.map((_, i) => i).sort((x, y) => comparePaths(cands[x], cands[y], o) || x - y);
  const best = cands[order[0]];
  const chosen = [order[0]];
  for (let k = 1; k < order.length && chosen.length < o.maxPaths; k++) {
    const c = cands[order[k]];
    if (!multipathCompatible(best, c, o)) continue;
    if (chosen.some((i) => sameBytes(cands[i].attrs.nextHop, c.attrs.nextHop))) continue;
    chosen.push(order[k]);
  }
  return chosen;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
