// AS_PATH facts the RIB needs: the length the decision process counts, the neighbouring AS that
// MED comparison and multipath use, the origin AS, how often an AS appears (loop detection), and
// the text form that policy regular expressions match against.
//
// In: AS_PATH segments as decoded (bgp/wire/types.ts). Out: numbers and strings.
import type { AsPathSegment } from '../bgp/wire/types.ts';
import { AsPathSegmentType } from '../bgp/wire/iana/attribute-types.ts';

/**
 * RFC 4271 §9.1.2.2 a): "an AS_SET counts as 1, no matter how many ASes are in the set."
 * RFC 5065 §5.3: AS_CONFED_SEQUENCE and AS_CONFED_SET are not counted.
 */
export function asPathLength(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0;
  let n = 0;
  for (const s of path) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AS_SET) n += 1;
  }
  return n;
}

/**
 * The neighbouring AS: RFC 4271 §9.1.2.2 c) compares MED only between routes "learned from the
 * same neighboring AS", determined "from the leftmost AS in the AS_PATH". Confederation segments
 * are skipped (the first AS of the first AS_SEQUENCE outside them). 0 when there is none (a route
 * originated inside our AS).
 */
export function neighborAs(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0;
  for (const s of path) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) return s.asns.length > 0 ? s.asns[0] : 0;
    if (s.type === AsPathSegmentType.AS_SET) return 0;
  }
  return 0;
}

/** The origin AS: the last AS of a trailing AS_SEQUENCE; 0 when the path ends in a set or is empty. */
export function originAs(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined || path.length === 0) return 0;
  const last = path[path.length - 1];
  if (last.type !== AsPathSegmentType.AS_SEQUENCE || last.asns.length === 0) return 0;
  return last.asns[last.asns.length - 1];
}

/** How many times `asn` appears anywhere in the path (all segment types). */
export function countAs(path: readonly AsPathSegment[] | undefined, asn: number): number {
  if (path === undefined) return 0;
  let n = 0;
  for (const s of path) for (const a of s.asns) if (a === asn) n++;
  return n;
}

/** Text as routers print it: "65001 65002 {65003,65004} (65010)". Empty string for an empty path. */
export function asPathText(path: readonly AsPathSegment[] | undefined): string {
  if (path === undefined) return '';
  const parts: string[] = [];
  for (const s of path) {
    const list = s.asns.join(
      s.type === AsPathSegmentType.AS_SET || s.type === AsPathSegmentType.AS_CONFED_SET ? ',' : ' ',
    );
    if (s.type === AsPathSegmentType.AS_SEQUENCE) parts.push(list);
    else if (s.type === AsPathSegmentType.AS_SET) parts.push(`{${list}}`);
    else if (s.type === AsPathSegmentType.AS_CONFED_SEQUENCE) parts.push(`(${list})`);
    else parts.push(`[${list}]`);
  }
  return parts.filter((p) => p !== '').join(' ');
}

/** A new path with `asn` prepended `times` times to the leading AS_SEQUENCE (or a new one). */
export function prependAs(
  path: readonly AsPathSegment[] | undefined,
  asn: number,
  times = 1,
): AsPathSegment[] {
  const add = new Array<number>(times).fill(asn);
  const segs = path ?? [];
  // RFC 4271 §5.1.2: if the first segment is an AS_SEQUENCE (and not full), prepend into it.
  if (
    segs.length > 0 &&
    segs[0].type === AsPathSegmentType.AS_SEQUENCE &&
    segs[0].asns.length + times <= 255
  ) {
    return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: [...add, ...segs[0].asns] }, ...segs.slice(1)];
  }
  return [{ type: AsPathSegmentType.AS_SEQUENCE, asns: add }, ...segs];
}
