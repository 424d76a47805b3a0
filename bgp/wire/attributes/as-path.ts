// Rows for AS_PATH (RFC 4271 §4.3, 2- or 4-octet ASNs by ctx.fourOctetAs per RFC 6793) and
// AS4_PATH (RFC 6793 §3, always 4-octet). Segments flow between the wire and AsPathSegment[];
// the AS4 merge itself lives in as4.ts.
import { AttrType, AsPathSegmentType } from '../iana/attribute-types.ts';
import { AS_TRANS } from '../iana/capability-codes.ts';
import { UpdateSubcode } from '../iana/error-codes.ts';
import type { Reader } from '../reader.ts';
import type { AsPathSegment, CodecContext } from '../types.ts';
import type { Writer } from '../writer.ts';
import type { AttributeDescriptor } from './descriptor.ts';

/** RFC 4271 §4.3: the Path Segment Length is one octet, so a segment holds at most 255 ASNs. */
const MAX_SEGMENT_ASNS = 255;

/**
 * Reads segments until the value ends. RFC 7606 §7.2: "An AS_PATH is considered malformed if an
 * unrecognized segment type is encountered or if it contains a malformed segment. A segment is
 * considered malformed if any of the following are true: o There is an overrun where the Path
 * Segment Length field of the last segment encountered would cause the Attribute Length to be
 * exceeded. o There is an underrun where after the last successfully parsed segment there is
 * only a single octet remaining ... o It has a Path Segment Length field of zero."
 */
function decodeSegments(r: Reader, asnSize: number, allowConfed: boolean): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  while (!r.done) {
    if (r.remaining < 2) throw r.fail('underrun: a single octet after the last segment');
    const type = r.u8();
    const count = r.u8();
    const known =
      type === AsPathSegmentType.AS_SET ||
      type === AsPathSegmentType.AS_SEQUENCE ||
      (allowConfed &&
        (type === AsPathSegmentType.AS_CONFED_SEQUENCE || type === AsPathSegmentType.AS_CONFED_SET));
    if (!known) throw r.fail(`unrecognized segment type ${type}`);
    if (count === 0) throw r.fail('segment length 0');
    if (r.remaining < count * asnSize) throw r.fail(`segment of ${count} ASNs overruns the attribute`);
    const asns = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const asn = asnSize === 4 ? r.u32() : r.u16();
      // RFC 7607 §2: "An UPDATE message that contains the AS number of zero in the AS_PATH ...
      // MUST be considered as malformed".
      if (asn === 0) throw r.fail('AS number 0 (RFC 7607)');
      asns[i] = asn;
    }
    segments.push({ type, asns });
  }
  return segments;
}

function segmentsLength(segments: readonly AsPathSegment[], asnSize: number): number {
  let n = 0;
  for (const s of segments) {
    const pieces = Math.max(1, Math.ceil(s.asns.length / MAX_SEGMENT_ASNS));
    n += pieces * 2 + s.asns.length * asnSize;
  }
  return n;
}

function encodeSegments(w: Writer, segments: readonly AsPathSegment[], asnSize: number): void {
  for (const s of segments) {
    // A longer segment is split into consecutive segments of the same type. For AS_SEQUENCE
    // this preserves the path; an AS_SET over 255 members is split the same way.
    for (let from = 0; from < s.asns.length; from += MAX_SEGMENT_ASNS) {
      const to = Math.min(s.asns.length, from + MAX_SEGMENT_ASNS);
      w.u8(s.type);
      w.u8(to - from);
      for (let i = from; i < to; i++) {
        const asn = s.asns[i]!;
        // RFC 6793 §4.2.2: toward an OLD speaker, an AS that does not fit in two octets is
        // replaced by AS_TRANS (the real path goes in AS4_PATH; see as4.ts).
        if (asnSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

const SEGMENT_OPEN: Readonly<Record<number, string>> = { 1: '{', 2: '', 3: '(', 4: '[' };
const SEGMENT_CLOSE: Readonly<Record<number, string>> = { 1: '}', 2: '', 3: ')', 4: ']' };

/** "65001 65002 {65003 65004} (65010)": sets in braces, confed sequences in (), confed sets in []. */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments.map((s) => `${SEGMENT_OPEN[s.type]}${s.asns.join(' ')}${SEGMENT_CLOSE[s.type]}`).join(' ');
}

const asnSize = (ctx: CodecContext) => (ctx.fourOctetAs ? 4 : 2);

export const AS_PATH: AttributeDescriptor = {
  typeCode: AttrType.AS_PATH,
  name: 'AS_PATH',
  flags: 0x40,
  // RFC 7606 §7.2: "An UPDATE message with a malformed AS_PATH attribute SHALL be handled using
  // the approach of "treat-as-withdraw"."
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.MALFORMED_AS_PATH,
  validLength: () => true,
  has: (a) => a.asPath !== undefined,
  decode(r, a, ctx) {
    a.asPath = decodeSegments(r, asnSize(ctx), true);
  },
  length: (a, ctx) => segmentsLength(a.asPath!, asnSize(ctx)),
  encode: (w, a, ctx) => encodeSegments(w, a.asPath!, asnSize(ctx)),
  format: (a) => formatAsPath(a.asPath!),
};

export const AS4_PATH: AttributeDescriptor = {
  typeCode: AttrType.AS4_PATH,
  name: 'AS4_PATH',
  flags: 0xc0,
  // RFC 6793 §6 (its own error handling, which RFC 7606 §3(c) defers to): a malformed AS4_PATH
  // is handled with "attribute discard". RFC 6793 §5: confederation segments "MUST NOT" appear
  // in AS4_PATH; we treat a path that has them as malformed.
  action: 'attribute-discard',
  flagsAction: 'attribute-discard',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: () => true,
  // RFC 6793 §4.2.1: a NEW speaker receiving AS4_PATH from a NEW speaker "SHALL discard" it.
  ignored: (ctx) => ctx.fourOctetAs,
  has: (a) => a.as4Path !== undefined,
  decode(r, a) {
    a.as4Path = decodeSegments(r, 4, false);
  },
  length: (a) => segmentsLength(a.as4Path!, 4),
  encode: (w, a) => encodeSegments(w, a.as4Path!, 4),
  format: (a) => formatAsPath(a.as4Path!),
};
