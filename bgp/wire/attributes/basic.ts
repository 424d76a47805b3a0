// Rows of the attribute table for the small fixed-size attributes: ORIGIN, NEXT_HOP,
// MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR, AS4_AGGREGATOR, ORIGINATOR_ID and
// OTC. Values flow between the wire and the numeric fields of PathAttributes.
import { AttrType } from '../iana/attribute-types.ts';
import { UpdateSubcode } from '../iana/error-codes.ts';
import { formatIpv4 } from '../prefix-text.ts';
import type { Aggregator, CodecContext, PathAttributes } from '../types.ts';
import { exactly, type AttributeDescriptor } from './descriptor.ts';

const WELL_KNOWN = 0x40; // RFC 4271 §5: well-known attributes are transitive, not optional
const OPTIONAL = 0x80;
const OPTIONAL_TRANSITIVE = 0xc0;

export const ORIGIN: AttributeDescriptor = {
  typeCode: AttrType.ORIGIN,
  name: 'ORIGIN',
  flags: WELL_KNOWN,
  // RFC 7606 §7.1: "The attribute is considered malformed if its length is not 1 or if it has
  // an undefined value [RFC4271]. An UPDATE message with a malformed ORIGIN attribute SHALL be
  // handled using the approach of "treat-as-withdraw"."
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE,
  validLength: exactly(1),
  has: (a) => a.origin !== undefined,
  decode(r, a) {
    const v = r.u8();
    if (v > 2) throw r.fail(`undefined ORIGIN value ${v}`);
    a.origin = v;
  },
  length: () => 1,
  encode: (w, a) => w.u8(a.origin!),
  format: (a) => (['IGP', 'EGP', 'INCOMPLETE'] as const)[a.origin!] ?? a.origin,
};

export const NEXT_HOP: AttributeDescriptor = {
  typeCode: AttrType.NEXT_HOP,
  name: 'NEXT_HOP',
  flags: WELL_KNOWN,
  // RFC 7606 §7.3: "If the NEXT_HOP attribute is malformed, ... treat-as-withdraw".
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE,
  validLength: exactly(4),
  has: (a) => a.nextHop !== undefined,
  decode(r, a) {
    a.nextHop = r.u32();
  },
  length: () => 4,
  encode: (w, a) => w.u32(a.nextHop!),
  format: (a) => formatIpv4(a.nextHop!),
};

export const MULTI_EXIT_DISC: AttributeDescriptor = {
  typeCode: AttrType.MULTI_EXIT_DISC,
  name: 'MULTI_EXIT_DISC',
  flags: OPTIONAL,
  // RFC 7606 §7.4: "The attribute is considered malformed if its length is not 4. An UPDATE
  // message with a malformed MULTI_EXIT_DISC attribute SHALL be handled using the approach of
  // "treat-as-withdraw"."
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: exactly(4),
  has: (a) => a.med !== undefined,
  decode(r, a) {
    a.med = r.u32();
  },
  length: () => 4,
  encode: (w, a) => w.u32(a.med!),
  format: (a) => a.med,
};

export const LOCAL_PREF: AttributeDescriptor = {
  typeCode: AttrType.LOCAL_PREF,
  name: 'LOCAL_PREF',
  flags: WELL_KNOWN,
  // RFC 7606 §7.5: "If the LOCAL_PREF attribute is received from an external neighbor, it SHALL
  // be discarded ... if received from an internal neighbor, it SHALL be considered malformed if
  // its length is not equal to 4. If malformed, ... treat-as-withdraw."
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  validLength: exactly(4),
  ignored: (ctx: CodecContext) => !ctx.ibgp,
  has: (a) => a.localPref !== undefined,
  decode(r, a) {
    a.localPref = r.u32();
  },
  length: () => 4,
  encode: (w, a) => w.u32(a.localPref!),
  format: (a) => a.localPref,
};

export const ATOMIC_AGGREGATE: AttributeDescriptor = {
  typeCode: AttrType.ATOMIC_AGGREGATE,
  name: 'ATOMIC_AGGREGATE',
  flags: WELL_KNOWN,
  // RFC 7606 §7.6: "The attribute SHALL be considered malformed if its length is not 0 ... An
  // UPDATE message with a malformed ATOMIC_AGGREGATE attribute SHALL be handled using the
  // approach of "attribute discard"."
  action: 'attribute-discard',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  validLength: exactly(0),
  has: (a) => a.atomicAggregate === true,
  decode(_r, a) {
    a.atomicAggregate = true;
  },
  length: () => 0,
  encode: () => {},
  format: () => true,
};

function formatAggregator(g: Aggregator): { asn: number; address: string } {
  return { asn: g.asn, address: formatIpv4(g.address) };
}

export const AGGREGATOR: AttributeDescriptor = {
  typeCode: AttrType.AGGREGATOR,
  name: 'AGGREGATOR',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 §7.7: "The error handling of [RFC4271] is revised as follows: - The attribute SHALL
  // be considered malformed if its length is not 6 [or 8 with 4-octet AS]. - An UPDATE message
  // with a malformed AGGREGATOR attribute SHALL be handled using the approach of "attribute
  // discard"."
  action: 'attribute-discard',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: (length, ctx) => length === (ctx.fourOctetAs ? 8 : 6),
  has: (a) => a.aggregator !== undefined,
  decode(r, a, ctx) {
    const asn = ctx.fourOctetAs ? r.u32() : r.u16();
    // RFC 7607 §2: an UPDATE "that contains the AS number of zero in the ... AGGREGATOR
    // attribute MUST be considered as malformed" (handled per RFC 7606: attribute discard).
    if (asn === 0) throw r.fail('AS number 0 (RFC 7607)');
    a.aggregator = { asn, address: r.u32() };
  },
  length: (_a, ctx) => (ctx.fourOctetAs ? 8 : 6),
  encode(w, a, ctx) {
    const g = a.aggregator!;
    // RFC 6793 §4.2.2: toward an OLD speaker an AS that does not fit goes as AS_TRANS.
    if (ctx.fourOctetAs) w.u32(g.asn);
    else w.u16(g.asn > 0xffff ? 23456 : g.asn);
    w.u32(g.address);
  },
  format: (a) => formatAggregator(a.aggregator!),
};

export const AS4_AGGREGATOR: AttributeDescriptor = {
  typeCode: AttrType.AS4_AGGREGATOR,
  name: 'AS4_AGGREGATOR',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 6793 §6 (error handling, as RFC 7606 §7 asks of each attribute): a malformed
  // AS4_AGGREGATOR "SHALL be handled using the approach of 'attribute discard'".
  action: 'attribute-discard',
  flagsAction: 'attribute-discard',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: exactly(8),
  // RFC 6793 §4.1: "A NEW BGP speaker MUST also be prepared to receive the AS4_AGGREGATOR
  // attribute from an OLD BGP speaker"; from a NEW speaker it "SHALL be discarded" (§4.2.1).
  ignored: (ctx) => ctx.fourOctetAs,
  has: (a) => a.as4Aggregator !== undefined,
  decode(r, a) {
    const asn = r.u32();
    if (asn === 0) throw r.fail('AS number 0 (RFC 7607)');
    a.as4Aggregator = { asn, address: r.u32() };
  },
  length: () => 8,
  encode(w, a) {
    w.u32(a.as4Aggregator!.asn);
    w.u32(a.as4Aggregator!.address);
  },
  format: (a: PathAttributes) => formatAggregator(a.as4Aggregator!),
};

export const ORIGINATOR_ID: AttributeDescriptor = {
  typeCode: AttrType.ORIGINATOR_ID,
  name: 'ORIGINATOR_ID',
  flags: OPTIONAL,
  // RFC 7606 §7.9: "if the length of a received ORIGINATOR_ID attribute is not 4 ... treat-as-withdraw".
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: exactly(4),
  has: (a) => a.originatorId !== undefined,
  decode(r, a) {
    a.originatorId = r.u32();
  },
  length: () => 4,
  encode: (w, a) => w.u32(a.originatorId!),
  format: (a) => formatIpv4(a.originatorId!),
};

export const OTC: AttributeDescriptor = {
  typeCode: AttrType.OTC,
  name: 'OTC',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 9234 §5: "If the length of the OTC Attribute is not 4 octets, the attribute is considered
  // malformed ... handled using the approach of "treat-as-withdraw"."
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: exactly(4),
  has: (a) => a.otc !== undefined,
  decode(r, a) {
    a.otc = r.u32();
  },
  length: () => 4,
  encode: (w, a) => w.u32(a.otc!),
  format: (a) => a.otc,
};
