// NLRI encoding for IPv4 and IPv6 unicast: the <length, prefix> tuples of RFC 4271 §4.3 (Withdrawn
// Routes and NLRI fields), RFC 4760 §5 (inside MP_REACH_NLRI / MP_UNREACH_NLRI) and the path
// identifier of RFC 7911 §3. Bytes flow in as (buffer, start, end) and out as a PrefixList
// (struct-of-arrays of numbers); the other way, a PrefixList range is written into a buffer.
// This is the hottest code in podbgp: no per-prefix objects, a counting pass then a filling pass.
import { BgpError, type ErrorAction } from './errors.ts';
import { Afi, Safi, familyKey } from './iana/afi-safi.ts';
import { ErrorCode, UpdateSubcode } from './iana/error-codes.ts';
import type { PrefixList } from './types.ts';

/** One descriptor per address family (DESIGN: "one descriptor per AFI/SAFI for NLRI and next hop"). */
export interface FamilyDescriptor {
  readonly afi: number;
  readonly safi: number;
  readonly name: string;
  /** Longest valid prefix length: 32 or 128. */
  readonly maxLength: number;
  /** Uint32 words per address in PrefixList.words: 1 or 4. */
  readonly wordsPerPrefix: number;
  /**
   * Next Hop lengths accepted in MP_REACH_NLRI. IPv6: 16 (global) or 32 (global + link-local,
   * RFC 2545 §3). IPv4: 4, or 16/32 for an IPv6 next hop (RFC 8950 §3).
   */
  readonly nextHopLengths: readonly number[];
}

export const IPV4_UNICAST_FAMILY: FamilyDescriptor = {
  afi: Afi.IPV4,
  safi: Safi.UNICAST,
  name: 'ipv4-unicast',
  maxLength: 32,
  wordsPerPrefix: 1,
  nextHopLengths: [4, 16, 32],
};

export const IPV6_UNICAST_FAMILY: FamilyDescriptor = {
  afi: Afi.IPV6,
  safi: Safi.UNICAST,
  name: 'ipv6-unicast',
  maxLength: 128,
  wordsPerPrefix: 4,
  nextHopLengths: [16, 32],
};

const FAMILIES = new Map<number, FamilyDescriptor>([
  [familyKey(Afi.IPV4, Safi.UNICAST), IPV4_UNICAST_FAMILY],
  [familyKey(Afi.IPV6, Safi.UNICAST), IPV6_UNICAST_FAMILY],
]);

/** The descriptor for an (AFI, SAFI) this codec parses, or undefined. */
export function familyDescriptor(afi: number, safi: number): FamilyDescriptor | undefined {
  return FAMILIES.get(familyKey(afi, safi));
}

const EMPTY_WORDS = new Uint32Array(0);
const EMPTY_LENGTHS = new Uint8Array(0);
const EMPTY_IPV4: PrefixList = Object.freeze({
  afi: Afi.IPV4,
  count: 0,
  words: EMPTY_WORDS,
  lengths: EMPTY_LENGTHS,
  pathIds: null,
});
const EMPTY_IPV6: PrefixList = Object.freeze({
  afi: Afi.IPV6,
  count: 0,
  words: EMPTY_WORDS,
  lengths: EMPTY_LENGTHS,
  pathIds: null,
});

/** A shared empty list (no allocation for the common empty Withdrawn Routes field). */
export function emptyPrefixList(afi: number): PrefixList {
  return afi === Afi.IPV6 ? EMPTY_IPV6 : EMPTY_IPV4;
}

function invalidNetwork(what: string, detail: string, action: ErrorAction): BgpError {
  return new BgpError(
    ErrorCode.UPDATE_MESSAGE,
    UpdateSubcode.INVALID_NETWORK_FIELD,
    `${what}: ${detail}`,
    undefined,
    action,
  );
}

/**
 * Decodes buf[start..end) as prefixes of `afi` (IPv4 or IPv6), with a 4-octet path identifier
 * before each when addPath. `action` is the RFC 7606 action for a syntax error: RFC 7606 §5.3
 * says an incorrect Withdrawn Routes or NLRI field is handled with "session reset", and one
 * inside MP_REACH_NLRI / MP_UNREACH_NLRI with "AFI/SAFI disable" (or session reset).
 */
export function decodePrefixes(
  buf: Uint8Array,
  start: number,
  end: number,
  afi: number,
  addPath: boolean,
  what: string,
  action: ErrorAction = 'session-reset',
): PrefixList {
  if (start >= end) return emptyPrefixList(afi);
  const maxLength = afi === Afi.IPV6 ? 128 : 32;
  // Pass 1: count and validate, so the arrays are allocated once at their exact size.
  let count = 0;
  let p = start;
  const idBytes = addPath ? 4 : 0;
  while (p < end) {
    if (end - p < idBytes + 1) {
      throw invalidNetwork(what, `truncated prefix at offset ${p - start}`, action);
    }
    const len = buf[p + idBytes]!;
    // RFC 7606 §5.3: the field is incorrect if "the length of any of the included NLRI is
    // greater than the maximum" for the family, or if an NLRI would overrun the field.
    if (len > maxLength) {
      throw invalidNetwork(what, `prefix length ${len} exceeds ${maxLength}`, action);
    }
    p += idBytes + 1 + ((len + 7) >>> 3);
    count++;
  }
  if (p !== end) throw invalidNetwork(what, 'last prefix overruns the field', action);

  const lengths = new Uint8Array(count);
  const pathIds = addPath ? new Uint32Array(count) : null;
  p = start;
  if (afi !== Afi.IPV6) {
    const words = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      if (pathIds !== null) {
        pathIds[i] = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
        p += 4;
      }
      const len = buf[p++]!;
      lengths[i] = len;
      let w = 0;
      switch ((len + 7) >>> 3) {
        case 4:
          w = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
          p += 4;
          break;
        case 3:
          w = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8);
          p += 3;
          break;
        case 2:
          w = (buf[p]! << 24) | (buf[p + 1]! << 16);
          p += 2;
          break;
        case 1:
          w = buf[p]! << 24;
          p += 1;
          break;
      }
      // RFC 4271 §4.3: "Note that the value of trailing bits is irrelevant." We clear them so
      // that one prefix has one representation: the RIB compares and hashes words directly.
      words[i] = len === 0 ? 0 : (w & (-1 << (32 - len))) >>> 0;
    }
    return { afi, count, words, lengths, pathIds };
  }
  const words = new Uint32Array(count * 4);
  for (let i = 0; i < count; i++) {
    if (pathIds !== null) {
      pathIds[i] = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
    }
    const len = buf[p++]!;
    lengths[i] = len;
    const n = (len + 7) >>> 3;
    const base = i * 4;
    for (let k = 0; k < n; k++) {
      const shift = 24 - ((k & 3) << 3);
      words[base + (k >>> 2)] |= buf[p + k]! << shift;
    }
    p += n;
    clearHostBits(words, base, len);
  }
  return { afi, count, words, lengths, pathIds };
}

/** Zeroes the bits beyond `len` in the 4 words at words[base..]. */
function clearHostBits(words: Uint32Array, base: number, len: number): void {
  for (let k = 0; k < 4; k++) {
    const bitsInWord = len - k * 32;
    if (bitsInWord >= 32) continue;
    words[base + k] = bitsInWord <= 0 ? 0 : (words[base + k]! & (-1 << (32 - bitsInWord))) >>> 0;
  }
}

/** Bytes prefix i takes on the wire (path identifier included when addPath). */
export function prefixWireLength(list: PrefixList, i: number, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((list.lengths[i]! + 7) >>> 3);
}

/** Bytes prefixes [from, to) take on the wire. */
export function prefixesWireLength(list: PrefixList, from: number, to: number, addPath: boolean): number {
  const lengths = list.lengths;
  let n = (addPath ? 5 : 1) * (to - from);
  for (let i = from; i < to; i++) n += (lengths[i]! + 7) >>> 3;
  return n;
}

/**
 * Writes prefixes [from, to) at buf[pos..] and returns the position after them. A path identifier
 * (RFC 7911 §3) precedes each prefix when addPath; a list without pathIds sends identifier 0.
 * The caller has checked the room (prefixesWireLength): writing past the end is our bug.
 */
export function writePrefixes(
  buf: Uint8Array,
  pos: number,
  list: PrefixList,
  from: number,
  to: number,
  addPath: boolean,
): number {
  const { words, lengths, pathIds } = list;
  let p = pos;
  const v6 = list.afi === Afi.IPV6;
  for (let i = from; i < to; i++) {
    if (addPath) {
      const id = pathIds === null ? 0 : pathIds[i]!;
      buf[p] = id >>> 24;
      buf[p + 1] = id >>> 16;
      buf[p + 2] = id >>> 8;
      buf[p + 3] = id;
      p += 4;
    }
    const len = lengths[i]!;
    buf[p++] = len;
    if (!v6) {
      const w = words[i]!;
      if (len > 0) buf[p++] = w >>> 24;
      if (len > 8) buf[p++] = w >>> 16;
      if (len > 16) buf[p++] = w >>> 8;
      if (len > 24) buf[p++] = w;
    } else {
      const n = (len + 7) >>> 3;
      const base = i * 4;
      for (let k = 0; k < n; k++) buf[p + k] = words[base + (k >>> 2)]! >>> (24 - ((k & 3) << 3));
      p += n;
    }
  }
  if (p > buf.length) throw new RangeError(`writePrefixes overflow: ${p} > ${buf.length}`);
  return p;
}

/** Prefixes [from, to) of a list as a new list sharing no storage (for tests, packers, the RIB). */
export function slicePrefixList(list: PrefixList, from: number, to: number): PrefixList {
  const wpp = list.afi === Afi.IPV6 ? 4 : 1;
  return {
    afi: list.afi,
    count: to - from,
    words: list.words.slice(from * wpp, to * wpp),
    lengths: list.lengths.slice(from, to),
    pathIds: list.pathIds === null ? null : list.pathIds.slice(from, to),
  };
}
