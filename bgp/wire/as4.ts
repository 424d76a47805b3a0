// RFC 6793 §4.2.3: reconstructing the 4-octet AS path and aggregator from what an OLD (2-octet)
// speaker sends (AS_PATH/AGGREGATOR with AS_TRANS, plus AS4_PATH/AS4_AGGREGATOR), and the
// reverse for sending to an OLD speaker. PathAttributes flow in and out; nothing else is touched.
import { AsPathSegmentType } from './iana/attribute-types.ts';
import { AS_TRANS } from './iana/capability-codes.ts';
import type { AsPathSegment, PathAttributes } from './types.ts';

/**
 * RFC 6793 §4.2.3 counting: an AS_SEQUENCE counts its ASNs, an AS_SET counts 1, and
 * confederation segments count 0 (as in the RFC 4271 §9.1.2.2 path length with RFC 5065 §5.3).
 */
export function asPathCount(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AS_SET) n += 1;
  }
  return n;
}

function isConfed(s: AsPathSegment): boolean {
  return s.type === AsPathSegmentType.AS_CONFED_SEQUENCE || s.type === AsPathSegmentType.AS_CONFED_SET;
}

/**
 * RFC 6793 §4.2.3: "the AS path information SHALL be constructed by taking as many AS numbers
 * and path segments as necessary from the leading part of the AS_PATH attribute, and then
 * prepending them to the AS4_PATH attribute so that the AS path information has a number of AS
 * numbers identical to that of the AS_PATH attribute. Note that a valid AS_CONFED_SEQUENCE or
 * AS_CONFED_SET path segment SHALL be prepended if it is either the leading path segment or is
 * adjacent to a path segment that is prepended."
 */
export function mergeAsPath(
  asPath: readonly AsPathSegment[],
  as4Path: readonly AsPathSegment[],
): AsPathSegment[] {
  let need = asPathCount(asPath) - asPathCount(as4Path);
  const lead: AsPathSegment[] = [];
  let previousTaken = false;
  for (let i = 0; i < asPath.length; i++) {
    const s = asPath[i]!;
    if (isConfed(s)) {
      // Leading, adjacent to the segment before (taken), or to the one after (taken while need > 0).
      previousTaken = i === 0 || previousTaken || need > 0;
      if (previousTaken) lead.push(s);
      continue;
    }
    if (need <= 0) break;
    previousTaken = true;
    if (s.type === AsPathSegmentType.AS_SET) {
      lead.push(s);
      need -= 1;
    } else if (s.asns.length <= need) {
      lead.push(s);
      need -= s.asns.length;
    } else {
      lead.push({ type: s.type, asns: s.asns.slice(0, need) });
      need = 0;
    }
  }
  const out = [...lead];
  for (const s of as4Path) {
    const last = out[out.length - 1];
    // Joining the cut AS_SEQUENCE with the first AS4_PATH sequence gives the path one segment,
    // as the sender had it; segments over 255 ASNs are split again when encoded.
    if (
      last !== undefined &&
      last.type === AsPathSegmentType.AS_SEQUENCE &&
      s.type === AsPathSegmentType.AS_SEQUENCE &&
      out.length === lead.length
    ) {
      out[out.length - 1] = { type: last.type, asns: [...last.asns, ...s.asns] };
    } else {
      out.push(s);
    }
  }
  return out;
}

/**
 * Applies RFC 6793 §4.2.3 to attributes received from an OLD speaker, in place: asPath and
 * aggregator become the 4-octet information; as4Path/as4Aggregator are kept for display only.
 * Call only when the session is not 4-octet (from a NEW speaker they are discarded on decode).
 */
export function mergeAs4(attrs: PathAttributes): void {
  // "If the AS number in the AGGREGATOR attribute is not AS_TRANS, then: - the AS4_AGGREGATOR
  // attribute and the AS4_PATH attribute SHALL be ignored, - the AGGREGATOR attribute SHALL be
  // taken as the information about the aggregating node, and - the AS_PATH attribute SHALL be
  // taken as the AS path information."
  if (attrs.aggregator !== undefined && attrs.aggregator.asn !== AS_TRANS) return;
  // "Otherwise, - the AGGREGATOR attribute SHALL be ignored, - the AS4_AGGREGATOR attribute SHALL
  // be taken as the information about the aggregating node".
  if (attrs.aggregator !== undefined && attrs.as4Aggregator !== undefined) {
    attrs.aggregator = attrs.as4Aggregator;
  }
  if (attrs.as4Path === undefined || attrs.asPath === undefined) return;
  // "If the number of AS numbers in the AS_PATH attribute is less than the number of AS numbers
  // in the AS4_PATH attribute, then the AS4_PATH attribute SHALL be ignored, and the AS_PATH
  // attribute SHALL be taken as the AS path information."
  if (asPathCount(attrs.asPath) < asPathCount(attrs.as4Path)) return;
  attrs.asPath = mergeAsPath(attrs.asPath, attrs.as4Path);
}

/**
 * RFC 6793 §4.2.2, for sending to an OLD speaker: when the path or aggregator holds an AS that
 * does not fit in two octets, the AS_PATH/AGGREGATOR encoders write AS_TRANS, and the real
 * values go in AS4_PATH ("excluding ... AS_CONFED_SEQUENCE and AS_CONFED_SET") and
 * AS4_AGGREGATOR. Returns a new attribute set; the input is not changed.
 */
export function as4ForOldSpeaker(attrs: PathAttributes): PathAttributes {
  const out: PathAttributes = { ...attrs };
  delete out.as4Path;
  delete out.as4Aggregator;
  const wide = (asn: number) => asn > 0xffff;
  if (attrs.asPath !== undefined && attrs.asPath.some((s) => s.asns.some(wide))) {
    out.as4Path = attrs.asPath.filter((s) => !isConfed(s));
  }
  if (attrs.aggregator !== undefined && wide(attrs.aggregator.asn)) {
    out.as4Aggregator = attrs.aggregator;
  }
  return out;
}
