// Rows for the list attributes: COMMUNITIES (RFC 1997), CLUSTER_LIST (RFC 4456),
// EXTENDED_COMMUNITIES (RFC 4360) and LARGE_COMMUNITY (RFC 8092). Each is a list of fixed-size
// items; the table loop checks that the length is a non-zero multiple of the item size.
import { AttrType, WellKnownCommunity } from '../iana/attribute-types.ts';
import { UpdateSubcode } from '../iana/error-codes.ts';
import { formatIpv4 } from '../prefix-text.ts';
import { nonZeroMultipleOf, type AttributeDescriptor } from './descriptor.ts';

const OPTIONAL = 0x80;
const OPTIONAL_TRANSITIVE = 0xc0;

const WELL_KNOWN_NAMES = new Map<number, string>(
  Object.entries(WellKnownCommunity).map(([name, value]) => [value, name]),
);

/** "65000:100", or the RFC name of a well-known community. */
export function formatCommunity(c: number): string {
  return WELL_KNOWN_NAMES.get(c) ?? `${c >>> 16}:${c & 0xffff}`;
}

/**
 * RFC 4360 §4 / RFC 5668 forms for the common route target (subtype 2) and route origin
 * (subtype 3) types: "rt:65000:100", "soo:192.0.2.1:7"; anything else as 16 hex digits.
 */
export function formatExtCommunity(b: Uint8Array): string {
  const type = b[0]! & 0x3f; // the I (IANA) and T (transitive) bits do not change the layout
  const sub = b[1]!;
  const kind = sub === 2 ? 'rt' : sub === 3 ? 'soo' : null;
  const u16 = (i: number) => (b[i]! << 8) | b[i + 1]!;
  const u32 = (i: number) => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  if (kind !== null && type === 0x00) return `${kind}:${u16(2)}:${u32(4)}`;
  if (kind !== null && type === 0x01) return `${kind}:${formatIpv4(u32(2))}:${u16(6)}`;
  if (kind !== null && type === 0x02) return `${kind}:${u32(2)}:${u16(6)}`;
  return Buffer.from(b).toString('hex');
}

export const COMMUNITIES: AttributeDescriptor = {
  typeCode: AttrType.COMMUNITIES,
  name: 'COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 §7.8: "The error handling of [RFC1997] is revised as follows: o The Community
  // attribute SHALL be considered malformed if its length is not a non-zero multiple of 4. o An
  // UPDATE message with a malformed Community attribute SHALL be handled using the approach of
  // "treat-as-withdraw"."
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: nonZeroMultipleOf(4),
  has: (a) => a.communities !== undefined && a.communities.length > 0,
  decode(r, a) {
    const n = r.remaining >>> 2;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = r.u32();
    a.communities = out;
  },
  length: (a) => a.communities!.length * 4,
  encode(w, a) {
    for (const c of a.communities!) w.u32(c);
  },
  format: (a) => a.communities!.map(formatCommunity),
};

export const CLUSTER_LIST: AttributeDescriptor = {
  typeCode: AttrType.CLUSTER_LIST,
  name: 'CLUSTER_LIST',
  flags: OPTIONAL,
  // RFC 7606 §7.10: "if the length of a received CLUSTER_LIST attribute is not a non-zero
  // multiple of 4, then the attribute SHALL be considered malformed ... treat-as-withdraw".
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: nonZeroMultipleOf(4),
  has: (a) => a.clusterList !== undefined && a.clusterList.length > 0,
  decode(r, a) {
    const n = r.remaining >>> 2;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = r.u32();
    a.clusterList = out;
  },
  length: (a) => a.clusterList!.length * 4,
  encode(w, a) {
    for (const c of a.clusterList!) w.u32(c);
  },
  format: (a) => a.clusterList!.map(formatIpv4),
};

export const EXTENDED_COMMUNITIES: AttributeDescriptor = {
  typeCode: AttrType.EXTENDED_COMMUNITIES,
  name: 'EXTENDED_COMMUNITIES',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 7606 §7.14: "The error handling of [RFC4360] is revised as follows: o The Extended
  // Communities attribute SHALL be considered malformed if its length is not a non-zero multiple
  // of 8. o An UPDATE message with a malformed Extended Communities attribute SHALL be handled
  // using the approach of "treat-as-withdraw"."
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: nonZeroMultipleOf(8),
  has: (a) => a.extCommunities !== undefined && a.extCommunities.length > 0,
  decode(r, a) {
    const n = r.remaining >>> 3;
    const out = new Array<Uint8Array>(n);
    // Copies, so a kept attribute set does not pin the whole received message in memory.
    for (let i = 0; i < n; i++) out[i] = new Uint8Array(r.bytes(8));
    a.extCommunities = out;
  },
  length: (a) => a.extCommunities!.length * 8,
  encode(w, a) {
    for (const c of a.extCommunities!) {
      if (c.length !== 8) throw new RangeError(`extended community of ${c.length} bytes`);
      w.bytes(c);
    }
  },
  format: (a) => a.extCommunities!.map(formatExtCommunity),
};

export const LARGE_COMMUNITY: AttributeDescriptor = {
  typeCode: AttrType.LARGE_COMMUNITY,
  name: 'LARGE_COMMUNITY',
  flags: OPTIONAL_TRANSITIVE,
  // RFC 8092 §6: "A receiving BGP speaker MUST handle a malformed Large Communities attribute
  // [length not a non-zero multiple of 12] ... using the approach of "treat-as-withdraw"".
  action: 'treat-as-withdraw',
  flagsAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: nonZeroMultipleOf(12),
  has: (a) => a.largeCommunities !== undefined && a.largeCommunities.length > 0,
  decode(r, a) {
    const n = r.remaining >>> 2;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = r.u32();
    a.largeCommunities = out;
  },
  length: (a) => a.largeCommunities!.length * 4,
  encode(w, a) {
    const l = a.largeCommunities!;
    if (l.length % 3 !== 0) throw new RangeError('largeCommunities is not a list of triples');
    for (const c of l) w.u32(c);
  },
  format(a) {
    const l = a.largeCommunities!;
    const out: string[] = [];
    for (let i = 0; i + 2 < l.length; i += 3) out.push(`${l[i]}:${l[i + 1]}:${l[i + 2]}`);
    return out;
  },
};
