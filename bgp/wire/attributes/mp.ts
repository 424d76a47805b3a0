// Rows for MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 §3, §4): the next hop (IPv4, IPv6 global,
// IPv6 global + link-local per RFC 2545 §3, IPv6 for IPv4 NLRI per RFC 8950) and the prefixes of
// one family. Families this codec does not parse are kept raw in attrs.mpOther.
import { familyKey, familyName } from '../iana/afi-safi.ts';
import { AttrType } from '../iana/attribute-types.ts';
import { UpdateSubcode } from '../iana/error-codes.ts';
import { decodePrefixes, familyDescriptor, prefixesWireLength, writePrefixes } from '../nlri.ts';
import { formatAddress, formatPrefixes } from '../prefix-text.ts';
import type { Reader } from '../reader.ts';
import type { MpReach, PathAttributes, PrefixList, RawAttribute } from '../types.ts';
import type { Writer } from '../writer.ts';
import type { AttributeDescriptor } from './descriptor.ts';

const OPTIONAL = 0x80;

function keepRaw(a: PathAttributes, typeCode: number, r: Reader, from: number): void {
  const raw: RawAttribute = {
    flags: OPTIONAL,
    typeCode,
    value: new Uint8Array(r.buf.subarray(from, r.end)),
  };
  a.mpOther = [...(a.mpOther ?? []), raw];
  r.pos = r.end;
}

/** Writes a prefix list at the writer's position (room is checked by writePrefixes). */
export function writePrefixList(w: Writer, list: PrefixList, addPath: boolean): void {
  w.pos = writePrefixes(w.buf, w.pos, list, 0, list.count, addPath);
}

/** Octets of the MP_REACH_NLRI value before the NLRI: AFI, SAFI, next hop length, next hop, reserved. */
export function mpReachHeaderLength(mp: Pick<MpReach, 'nextHop' | 'linkLocal'>): number {
  return 5 + mp.nextHop.length + (mp.linkLocal === null ? 0 : mp.linkLocal.length);
}

/** Writes AFI, SAFI, next hop length and next hop(s), and the reserved octet. */
export function writeMpReachHeader(w: Writer, mp: Omit<MpReach, 'nlri'>): void {
  w.u16(mp.afi);
  w.u8(mp.safi);
  w.u8(mp.nextHop.length + (mp.linkLocal === null ? 0 : mp.linkLocal.length));
  w.bytes(mp.nextHop);
  if (mp.linkLocal !== null) w.bytes(mp.linkLocal);
  // RFC 4760 §3: "Reserved: A 1 octet field that MUST be set to 0, and SHOULD be ignored upon receipt."
  w.u8(0);
}

export const MP_REACH_NLRI: AttributeDescriptor = {
  typeCode: AttrType.MP_REACH_NLRI,
  name: 'MP_REACH_NLRI',
  flags: OPTIONAL,
  // RFC 7606 §5.3 / §7.11: a malformed next hop length or NLRI in MP_REACH_NLRI means the NLRI
  // cannot be reliably located, so "AFI/SAFI disable" or "session reset" MUST be used.
  action: 'afi-safi-disable',
  flagsAction: 'treat-as-withdraw',
  decodeDespiteFlags: true,
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: (length) => length >= 5,
  has: (a) => a.mpReach !== undefined,
  decode(r, a, ctx) {
    const from = r.pos;
    const afi = r.u16();
    const safi = r.u8();
    const family = familyDescriptor(afi, safi);
    if (family === undefined) return keepRaw(a, AttrType.MP_REACH_NLRI, r, from);
    const nhLength = r.u8();
    if (!family.nextHopLengths.includes(nhLength)) {
      throw r.fail(`next hop length ${nhLength} is not valid for ${family.name}`);
    }
    const hop = r.bytes(nhLength);
    // A 32-octet next hop is a global address followed by a link-local one (RFC 2545 §3).
    const nextHop = new Uint8Array(nhLength === 32 ? hop.subarray(0, 16) : hop);
    const linkLocal = nhLength === 32 ? new Uint8Array(hop.subarray(16, 32)) : null;
    r.skip(1); // reserved
    const addPath = ctx.addPathReceive.has(familyKey(afi, safi));
    const nlri = decodePrefixes(r.buf, r.pos, r.end, afi, addPath, 'MP_REACH_NLRI', 'afi-safi-disable');
    r.pos = r.end;
    a.mpReach = { afi, safi, nextHop, linkLocal, nlri };
  },
  length(a, ctx) {
    const mp = a.mpReach!;
    const addPath = ctx.addPathSend.has(familyKey(mp.afi, mp.safi));
    return mpReachHeaderLength(mp) + prefixesWireLength(mp.nlri, 0, mp.nlri.count, addPath);
  },
  encode(w, a, ctx) {
    const mp = a.mpReach!;
    writeMpReachHeader(w, mp);
    writePrefixList(w, mp.nlri, ctx.addPathSend.has(familyKey(mp.afi, mp.safi)));
  },
  format(a) {
    const mp = a.mpReach!;
    return {
      family: familyName(mp.afi, mp.safi),
      nextHop: formatAddress(mp.nextHop),
      ...(mp.linkLocal === null ? {} : { linkLocal: formatAddress(mp.linkLocal) }),
      nlri: formatPrefixes(mp.nlri),
    };
  },
};

export const MP_UNREACH_NLRI: AttributeDescriptor = {
  typeCode: AttrType.MP_UNREACH_NLRI,
  name: 'MP_UNREACH_NLRI',
  flags: OPTIONAL,
  // RFC 7606 §5.3: an incorrect Withdrawn Routes field in MP_UNREACH_NLRI: "AFI/SAFI disable"
  // or "session reset" (treat-as-withdraw would change nothing: these routes are withdrawn).
  action: 'afi-safi-disable',
  flagsAction: 'treat-as-withdraw',
  decodeDespiteFlags: true,
  subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR,
  validLength: (length) => length >= 3,
  has: (a) => a.mpUnreach !== undefined,
  decode(r, a, ctx) {
    const from = r.pos;
    const afi = r.u16();
    const safi = r.u8();
    if (familyDescriptor(afi, safi) === undefined) return keepRaw(a, AttrType.MP_UNREACH_NLRI, r, from);
    const addPath = ctx.addPathReceive.has(familyKey(afi, safi));
    const withdrawn = decodePrefixes(
      r.buf,
      r.pos,
      r.end,
      afi,
      addPath,
      'MP_UNREACH_NLRI',
      'afi-safi-disable',
    );
    r.pos = r.end;
    a.mpUnreach = { afi, safi, withdrawn };
  },
  length(a, ctx) {
    const mp = a.mpUnreach!;
    const addPath = ctx.addPathSend.has(familyKey(mp.afi, mp.safi));
    return 3 + prefixesWireLength(mp.withdrawn, 0, mp.withdrawn.count, addPath);
  },
  encode(w, a, ctx) {
    const mp = a.mpUnreach!;
    w.u16(mp.afi);
    w.u8(mp.safi);
    writePrefixList(w, mp.withdrawn, ctx.addPathSend.has(familyKey(mp.afi, mp.safi)));
  },
  format(a) {
    const mp = a.mpUnreach!;
    return { family: familyName(mp.afi, mp.safi), withdrawn: formatPrefixes(mp.withdrawn) };
  },
};
