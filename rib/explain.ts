// `podbgp explain PREFIX`: every candidate path for a prefix, which decision step ruled it out
// against the winner and why, which paths are in the multipath set, and why ineligible paths are
// ineligible. Plain data, for the API and the CLI to print.
//
// In: a Rib and a Prefix. Out: an Explanation.
import type { Rib } from './rib.ts';
import type { Prefix } from './prefix.ts';
import { formatAddressBytes, formatPrefix } from './prefix.ts';
import { asPathText } from './as-path.ts';
import { decideBetween } from './decision/compare.ts';
import { ineligibleReasons } from './decision/eligibility.ts';

export interface ExplainedPath {
  readonly peer: string;
  readonly peerAs: number;
  readonly pathId: number;
  readonly nextHop: string;
  readonly localPref: number | null;
  readonly asPath: string;
  readonly origin: number | null;
  readonly med: number | null;
  readonly best: boolean;
  readonly multipath: boolean;
  readonly stale: boolean;
  /** Empty when eligible. */
  readonly ineligible: readonly string[];
  /** The decision step at which this path lost to the best one (null for the best or ineligible). */
  readonly lostAt: string | null;
  readonly reason: string | null;
}

export interface Explanation {
  readonly prefix: string;
  readonly paths: readonly ExplainedPath[];
  readonly nextHops: readonly string[] | null;
}

export function explain(rib: Rib, p: Prefix): Explanation {
  const loc = rib.locRib(p.afi);
  const slot = loc.findSlot(p);
  if (slot < 0) return { prefix: formatPrefix(p), paths: [], nextHops: null };
  const a = loc.adjIn;
  const bestRow = loc.bestRow(slot);
  const multi = new Set(loc.multipathRows(slot));
  const best = bestRow >= 0 ? loc.candidate(bestRow) : null;
  const o = rib.config.decision;
  const paths: ExplainedPath[] = [];
  for (let r = a.head(slot); r >= 0; r = a.next[r]) {
    const c = loc.candidate(r);
    const reach = a.attr[r] === 0 || rib.tracker.reachable(c.attrs);
    const ineligible = ineligibleReasons(a.flags[r], reach);
    let lostAt: string | null = null;
    let reason: string | null = null;
    if (ineligible.length === 0 && best !== null && r !== bestRow) {
      const v = decideBetween(best, c, o);
      lostAt = v.step?.name ?? null;
      reason = v.reason;
    }
    const at = c.attrs.attrs;
    paths.push({
      peer: c.peer.local ? 'local' : formatAddressBytes(c.peer.address),
      peerAs: c.peer.asn,
      pathId: c.pathId,
      nextHop: c.attrs.nextHop.length === 0 ? 'self' : formatAddressBytes(c.attrs.nextHop),
      localPref: at.localPref ?? null,
      asPath: asPathText(at.asPath),
      origin: at.origin ?? null,
      med: at.med ?? null,
      best: r === bestRow,
      multipath: multi.has(r),
      stale: a.isStale(r),
      ineligible,
      lostAt,
      reason,
    });
  }
  paths.sort((x, y) => Number(y.best) - Number(x.best) || Number(y.multipath) - Number(x.multipath));
  const hops = loc.nextHopsOf(slot);
  return { prefix: formatPrefix(p), paths, nextHops: hops === null ? null : hops.map(formatAddressBytes) };
}
