// The UPDATE packer (DESIGN: "asks does this fit? and starts a new message when it doesn't"):
// one attribute set and many prefixes flow in; as few UPDATE messages as possible flow out, each
// filled up to the session's maximum length (4096, or 65535 with RFC 8654 Extended Message).
// The attributes are encoded once per call and copied into each message; all messages of one
// call share one buffer (one allocation), each returned as its own view.
import { attributesLength, writeAttributes } from './attributes/encode.ts';
import { writeMpReachHeader } from './attributes/mp.ts';
import { Afi, Safi, familyKey } from './iana/afi-safi.ts';
import { AttrFlag, AttrType } from './iana/attribute-types.ts';
import { HEADER_LENGTH, MessageType } from './iana/message-types.ts';
import { writePrefixes } from './nlri.ts';
import type { CodecContext, PathAttributes, PrefixList } from './types.ts';
import { maxMessageLength } from './update.ts';
import { Writer } from './writer.ts';

export interface PackOptions {
  /**
   * Carry IPv4 unicast prefixes in MP_REACH_NLRI/MP_UNREACH_NLRI rather than the IPv4 NLRI and
   * Withdrawn Routes fields (for example with an IPv6 next hop, RFC 8950). IPv6 always uses MP.
   */
  readonly ipv4InMp?: boolean;
}

const MP_CODES: ReadonlySet<number> = new Set([AttrType.MP_REACH_NLRI, AttrType.MP_UNREACH_NLRI]);
/** Octets before the Withdrawn Routes: the header and the Withdrawn Routes Length. */
const FIXED = HEADER_LENGTH + 2 + 2;

/**
 * Splits prefixes into runs that each fit `room` octets (greedy, in order: this gives the
 * fewest messages for an ordered list). Returns the run ends and their byte sizes.
 */
function splitRuns(list: PrefixList, addPath: boolean, room: number): { ends: number[]; sizes: number[] } {
  const lengths = list.lengths;
  const per = addPath ? 5 : 1;
  const ends: number[] = [];
  const sizes: number[] = [];
  let acc = 0;
  for (let i = 0; i < list.count; i++) {
    const l = per + ((lengths[i]! + 7) >>> 3);
    if (acc + l > room) {
      if (acc === 0) throw new RangeError(`a prefix of ${l} octets does not fit in ${room}`);
      ends.push(i);
      sizes.push(acc);
      acc = 0;
    }
    acc += l;
  }
  if (acc > 0) {
    ends.push(list.count);
    sizes.push(acc);
  }
  return { ends, sizes };
}

/**
 * Writes the header of an MP_REACH_NLRI or MP_UNREACH_NLRI attribute (optional, non-transitive)
 * at p and returns the offset of its value. RFC 4271 §4.3: "The fourth high-order bit (bit 3) of
 * the Attribute Flags octet is the Extended Length bit. It defines whether the Attribute Length
 * is one octet (if set to 0) or two octets (if set to 1)." Two octets only when the value needs them.
 */
function writeMpAttributeHeader(buf: Buffer, p: number, typeCode: number, valueLength: number): number {
  if (valueLength > 255) {
    buf[p++] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
    buf[p++] = typeCode;
    buf[p++] = valueLength >>> 8;
    buf[p++] = valueLength;
  } else {
    buf[p++] = AttrFlag.OPTIONAL;
    buf[p++] = typeCode;
    buf[p++] = valueLength;
  }
  return p;
}

function header(buf: Buffer, at: number, length: number): void {
  buf.fill(0xff, at, at + 16);
  buf[at + 16] = length >>> 8;
  buf[at + 17] = length;
  buf[at + 18] = MessageType.UPDATE;
}

function usesMp(afi: number, opts: PackOptions | undefined): boolean {
  return afi !== Afi.IPV4 || opts?.ipv4InMp === true;
}

/**
 * UPDATEs announcing `prefixes` with `attrs`. For IPv4 (unless opts.ipv4InMp) the prefixes go in
 * the NLRI field and attrs.nextHop is the next hop; otherwise they go in MP_REACH_NLRI, whose
 * next hop is taken from attrs.mpReach (its nlri is ignored). MP_REACH_NLRI is written first
 * (RFC 7606 §5.1).
 */
export function packAnnouncements(
  attrs: PathAttributes,
  prefixes: PrefixList,
  ctx: CodecContext,
  opts?: PackOptions,
): Buffer[] {
  if (prefixes.count === 0) return [];
  const mp = usesMp(prefixes.afi, opts);
  const afi = prefixes.afi;
  const safi = mp && attrs.mpReach !== undefined ? attrs.mpReach.safi : Safi.UNICAST;
  const addPath = ctx.addPathSend.has(familyKey(afi, safi));
  const staticLength = attributesLength(attrs, ctx, MP_CODES);
  const fixed = new Writer(staticLength);
  writeAttributes(fixed, attrs, ctx, MP_CODES);
  const staticBytes = fixed.buf;

  let mpHeader: Buffer | null = null;
  if (mp) {
    const reach = attrs.mpReach;
    if (reach === undefined)
      throw new TypeError('packAnnouncements: MP prefixes need attrs.mpReach for the next hop');
    const w = new Writer(5 + reach.nextHop.length + (reach.linkLocal?.length ?? 0));
    writeMpReachHeader(w, { afi, safi, nextHop: reach.nextHop, linkLocal: reach.linkLocal });
    mpHeader = w.buf;
  }
  // Per message: header, lengths, [MP_REACH_NLRI header (4, extended length) + its fixed part], attributes.
  const overhead = FIXED + staticLength + (mpHeader === null ? 0 : 4 + mpHeader.length);
  const max = maxMessageLength(ctx);
  const { ends, sizes } = splitRuns(prefixes, addPath, max - overhead);

  let total = 0;
  const lengths = new Array<number>(sizes.length);
  for (let m = 0; m < sizes.length; m++) {
    // A short MP_REACH_NLRI value uses the 1-octet length (RFC 4271 §4.3 Extended Length bit).
    const mpValue = mpHeader === null ? 0 : mpHeader.length + sizes[m]!;
    lengths[m] = overhead + sizes[m]! - (mpHeader !== null && mpValue <= 255 ? 1 : 0);
    total += lengths[m]!;
  }
  const buf = Buffer.allocUnsafe(total);
  const out = new Array<Buffer>(sizes.length);
  let at = 0;
  let from = 0;
  for (let m = 0; m < sizes.length; m++) {
    const len = lengths[m]!;
    header(buf, at, len);
    let p = at + HEADER_LENGTH;
    buf[p++] = 0; // Withdrawn Routes Length
    buf[p++] = 0;
    const attrLength = len - FIXED - (mpHeader === null ? sizes[m]! : 0);
    buf[p++] = attrLength >>> 8;
    buf[p++] = attrLength;
    if (mpHeader !== null) {
      const value = mpHeader.length + sizes[m]!;
      p = writeMpAttributeHeader(buf, p, AttrType.MP_REACH_NLRI, value);
      buf.set(mpHeader, p);
      p = writePrefixes(buf, p + mpHeader.length, prefixes, from, ends[m]!, addPath);
      buf.set(staticBytes, p);
      p += staticLength;
    } else {
      buf.set(staticBytes, p);
      p = writePrefixes(buf, p + staticLength, prefixes, from, ends[m]!, addPath);
    }
    if (p !== at + len) throw new Error(`packer wrote ${p - at} of ${len} octets`);
    out[m] = buf.subarray(at, at + len);
    at += len;
    from = ends[m]!;
  }
  return out;
}

/**
 * UPDATEs withdrawing `prefixes`: the Withdrawn Routes field for IPv4 (unless opts.ipv4InMp),
 * otherwise MP_UNREACH_NLRI for (afi, safi). Nothing else is carried.
 */
export function packWithdrawals(
  prefixes: PrefixList,
  ctx: CodecContext,
  opts?: PackOptions & { readonly safi?: number },
): Buffer[] {
  if (prefixes.count === 0) return [];
  const mp = usesMp(prefixes.afi, opts);
  const afi = prefixes.afi;
  const safi = opts?.safi ?? Safi.UNICAST;
  const addPath = ctx.addPathSend.has(familyKey(afi, safi));
  const overhead = FIXED + (mp ? 4 + 3 : 0);
  const { ends, sizes } = splitRuns(prefixes, addPath, maxMessageLength(ctx) - overhead);
  let total = 0;
  const lengths = sizes.map((s) => overhead + s - (mp && s + 3 <= 255 ? 1 : 0));
  for (const l of lengths) total += l;
  const buf = Buffer.allocUnsafe(total);
  const out = new Array<Buffer>(sizes.length);
  let at = 0;
  let from = 0;
  for (let m = 0; m < sizes.length; m++) {
    const len = lengths[m]!;
    header(buf, at, len);
    let p = at + HEADER_LENGTH;
    if (!mp) {
      buf[p++] = sizes[m]! >>> 8;
      buf[p++] = sizes[m]!;
      p = writePrefixes(buf, p, prefixes, from, ends[m]!, addPath);
      buf[p++] = 0; // Total Path Attribute Length
      buf[p++] = 0;
    } else {
      buf[p++] = 0;
      buf[p++] = 0;
      const attrLength = len - FIXED;
      buf[p++] = attrLength >>> 8;
      buf[p++] = attrLength;
      const value = 3 + sizes[m]!;
      p = writeMpAttributeHeader(buf, p, AttrType.MP_UNREACH_NLRI, value);
      buf[p++] = afi >>> 8;
      buf[p++] = afi;
      buf[p++] = safi;
      p = writePrefixes(buf, p, prefixes, from, ends[m]!, addPath);
    }
    if (p !== at + len) throw new Error(`packer wrote ${p - at} of ${len} octets`);
    out[m] = buf.subarray(at, at + len);
    at += len;
    from = ends[m]!;
  }
  return out;
}
